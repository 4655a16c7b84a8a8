// A credential kept in a file (PULSAR_TOKEN_FILE, AIRFLOW_TOKEN_FILE, e.g. a mounted Kubernetes secret):
// read again every time it is needed — on each (re)connect to Pulsar and each request to Airflow — so a
// rotated file is picked up without a restart. Errors name the file, never its content.
import { readFile } from 'node:fs/promises';

export function readTokenFile(path: string): () => Promise<string> {
  return async () => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the token file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const token = text.trim();
    if (!token) throw new Error(`the token file ${path} is empty`);
    return token;
  };
}
