/**
 * The header Relay's page sends on every request that changes documents. A page of another site cannot add a
 * custom header to a cross-origin request without a CORS preflight, which the gateway never grants, so its
 * presence shows the write does not come from another site (docs/protocol.md, "Documents over REST").
 */
export const SAME_ORIGIN_HEADER = 'x-relay-request';
