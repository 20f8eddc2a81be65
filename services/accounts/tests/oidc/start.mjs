// A local OpenID Connect provider for accounts' OIDC test: oauth2-mock-server
// on a free port of 127.0.0.1. It approves every authorization at once and
// puts into every token the subject, name and groups the test asks for:
//   OIDC_SUBJECT (default "oidc-user-1"), OIDC_NAME, OIDC_GROUPS (a JSON array).
// Prints one line, {"issuer": "<url>"}, when it is ready, and stops when its
// standard input closes (so a test that ends, however it ends, stops it).
import { OAuth2Server } from 'oauth2-mock-server';

const subject = process.env.OIDC_SUBJECT ?? 'oidc-user-1';
const name = process.env.OIDC_NAME ?? 'Petugas Uji';
const groups = JSON.parse(process.env.OIDC_GROUPS ?? '[]');

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
server.service.on('beforeTokenSigning', (token) => {
  token.payload.sub = subject;
  token.payload.name = name;
  token.payload.groups = groups;
});
await server.start(0, '127.0.0.1');
// The address it listens on, not "localhost", which may resolve elsewhere first.
server.issuer.url = `http://127.0.0.1:${server.address().port}`;
console.log(JSON.stringify({ issuer: server.issuer.url }));

process.stdin.on('end', async () => {
  await server.stop();
  process.exit(0);
});
process.stdin.resume();
