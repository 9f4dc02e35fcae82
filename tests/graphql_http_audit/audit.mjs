// Runs graphql-http's server audits (the GraphQL-over-HTTP spec's conformance checks) against the
// URL in argv[2], sending the API key in GRAPHQL_AUDIT_KEY as a bearer token, and prints one JSON
// line per audit: {id, name, status, reason}. The caller judges them; this exits 0 once all ran.
import { serverAudits } from 'graphql-http';

const [url] = process.argv.slice(2);
const key = process.env.GRAPHQL_AUDIT_KEY;
if (!url || !key) {
  console.error('usage: GRAPHQL_AUDIT_KEY=<secret> node audit.mjs <url>');
  process.exit(2);
}

function keyedFetch(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  return fetch(input, { ...init, headers });
}

for (const audit of serverAudits({ url, fetchFn: keyedFetch })) {
  const result = await audit.fn();
  const reason = result.status === 'ok' ? null : result.reason;
  console.log(JSON.stringify({ id: result.id, name: result.name, status: result.status, reason }));
}
