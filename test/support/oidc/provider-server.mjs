// A real OpenID Connect provider for the tests: the certified `oidc-provider` package, run as its own process.
// Configured from PROVIDER_CONFIG (JSON): { port, keys: [private JWKs], clients: [...], accounts: { sub: claims },
// resource: audience of JWT access tokens }. Prints "ready <issuer>" once it listens.
// Its login page is the package's development interaction: any account name of `accounts`, any password.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.PROVIDER_CONFIG ?? '{}');
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts ?? {};

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: config.keys },
  async findAccount(_ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], roles: ['roles', 'groups'] },
  scopes: ['openid', 'profile', 'email', 'roles'],
  // The roles and groups in the ID token too (Relay also reads userinfo).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== config.resource) throw new Provider.errors.InvalidTarget();
        return { scope: 'openid', audience: config.resource, accessTokenTTL: 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  // API clients' JWT access tokens carry the user's roles and groups, as a real deployment's would.
  async extraTokenClaims(_ctx, token) {
    const claims = accounts[token.accountId];
    return claims ? { roles: claims.roles ?? [], groups: claims.groups ?? [] } : undefined;
  },
  ttl: { AccessToken: 300, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60 },
  cookies: { keys: ['test-provider-cookie-key-0123456789'] },
});
provider.proxy = false;
for (const event of ['grant.error', 'server_error', 'authorization.error']) provider.on(event, (_ctx, err) => process.stderr.write(`${event}: ${err.message} ${err.error_detail ?? ''}\n`));

const server = provider.listen(config.port, '127.0.0.1', () => process.stdout.write(`ready ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
