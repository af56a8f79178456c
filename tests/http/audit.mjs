// The GraphQL-over-HTTP audit of a served API: every server audit of graphql-http, run one
// after the other, printed to stdout as a JSON array of {id, name, status, reason}.
//
//   node tests/http/audit.mjs http://127.0.0.1:8000/graphql
//
// The URL comes from the first argument (or GRAPHQL_URL). Every request carries
// `Authorization: Bearer $REDTHREAD_AUDIT_TOKEN` when that variable is set, so the audit
// reaches GraphQL instead of the sign-in check. status is graphql-http's: "ok", or "notice",
// "warn" or "error" with a reason; an audit that throws is reported as "error" too.
// tests/http/test_graphql_http_audit.py runs this against a live server.

import { serverAudits } from 'graphql-http';

const url = process.argv[2] || process.env.GRAPHQL_URL;
if (!url) {
  console.error('usage: node tests/http/audit.mjs <graphql url> (or set GRAPHQL_URL)');
  process.exit(2);
}
const token = process.env.REDTHREAD_AUDIT_TOKEN;
const REQUEST_TIMEOUT_MS = 10_000;

/** fetch, signed in as the token says, never waiting forever on one response. */
function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  if (token && !headers.has('authorization')) {
    headers.set('authorization', `Bearer ${token}`);
  }
  return fetch(input, {
    ...init,
    headers,
    signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

const results = [];
for (const audit of serverAudits({ url, fetchFn })) {
  let result;
  try {
    result = await audit.fn();
  } catch (error) {
    result = { status: 'error', reason: `The audit threw: ${error?.stack ?? error}` };
  }
  results.push({
    id: audit.id,
    name: audit.name,
    status: result.status,
    reason: result.status === 'ok' ? null : String(result.reason ?? ''),
  });
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
