// Slack's official Socket Mode client and Web API client against our emulator: connect,
// receive a slash command, ack it, post a message. Prints one line per step.
import { SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';

const apiUrl = process.argv[2];
const socket = new SocketModeClient({ appToken: 'xapp-1-A111-official', clientOptions: { slackApiUrl: apiUrl } });
const web = new WebClient('xoxb-official', { slackApiUrl: apiUrl });

socket.on('slash_commands', async ({ ack, body }) => {
  await ack();
  console.log('acked ' + body.command);
  const posted = await web.chat.postMessage({ channel: body.channel_id, text: 'official sdk saw ' + body.text });
  console.log('posted ' + posted.ts);
  await socket.disconnect();
  process.exit(0);
});

await socket.start();
console.log('connected');
setTimeout(() => { console.log('timed out'); process.exit(1); }, 15000);
