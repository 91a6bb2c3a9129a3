// The peer: Bolt for JavaScript in Socket Mode, acking /rollback as fast as it can.
import bolt from '@slack/bolt';

const app = new bolt.App({
  token: 'xoxb-bench',
  appToken: 'xapp-1-A111-bench',
  socketMode: true,
  clientOptions: { slackApiUrl: process.argv[2] },
});
app.command('/rollback', async ({ ack }) => { await ack(); });
await app.start();
console.log('connected');
