// What the web console needs to know before anyone signs in (docs/adr/0017): whether sign-in with the
// OpenID provider is offered, and with which issuer, public client id, scopes and resource. Public: it
// holds no secret (the console is a public client using authorization code + PKCE).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';

export async function consoleConfigRoutes(app: FastifyInstance, deps: AppDeps) {
  app.get('/v1/console/config', {
    schema: {
      tags: ['tokens'], summary: 'How the web console signs people in: API tokens, and the OpenID provider when one is configured',
      description: 'oidc is null unless DAGPACT_OIDC_ISSUER and DAGPACT_OIDC_CONSOLE_CLIENT_ID are set. The console discovers the '
        + "provider's endpoints from {issuer}/.well-known/openid-configuration and runs the authorization-code flow with PKCE; "
        + 'the access token it gets (audience = resource) is sent as a bearer token like any other.',
      response: {
        200: {
          type: 'object', required: ['auth_enabled', 'oidc'],
          properties: {
            auth_enabled: { type: 'boolean' },
            oidc: {
              type: 'object', nullable: true, required: ['issuer', 'client_id', 'scopes', 'resource'],
              properties: {
                issuer: { type: 'string' }, client_id: { type: 'string' },
                scopes: { type: 'string', description: 'Space-separated (DAGPACT_OIDC_CONSOLE_SCOPES)' },
                resource: { type: 'string', description: 'The resource indicator asked for (RFC 8707): the audience the API requires' },
              },
            },
          },
        },
      },
    },
    config: { public: true },
  }, async () => ({
    auth_enabled: deps.tokens.enabled,
    oidc: deps.console?.oidc
      ? { issuer: deps.console.oidc.issuer, client_id: deps.console.oidc.clientId, scopes: deps.console.oidc.scopes, resource: deps.console.oidc.resource }
      : null,
  }));
}
