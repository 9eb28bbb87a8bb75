// jose and openid-client ship only ES modules; this CommonJS build loads them with import(), once.
export type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
export type OpenIdClient = typeof import('openid-client', { with: { 'resolution-mode': 'import' } });

let jose: Promise<Jose> | undefined;
let openIdClient: Promise<OpenIdClient> | undefined;

export function loadJose(): Promise<Jose> {
  jose ??= import('jose');
  return jose;
}

export function loadOpenIdClient(): Promise<OpenIdClient> {
  openIdClient ??= import('openid-client');
  return openIdClient;
}
