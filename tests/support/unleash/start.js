// Starts a real Unleash for the tests, on loopback, with one admin token, on the database given:
//   node start.js PG_HOST PG_PORT PG_DATABASE PORT TOKEN
// Run by tests/support/unleash.sh from the folder npm installed unleash-server into.
const unleash = require('unleash-server');
const [host, pgPort, database, port, token] = process.argv.slice(2);
unleash
  .start({
    db: { host, port: Number(pgPort), user: 'postgres', password: 'unused', database, ssl: false },
    server: { host: '127.0.0.1', port: Number(port) },
    authentication: {
      initApiTokens: [{ environment: '*', project: '*', secret: token, type: 'admin', tokenName: 'goaround-tests' }],
    },
    logLevel: 'warn',
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
