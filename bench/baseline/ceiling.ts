// The ceiling: raw node:http answering a fixed JSON body, no framework, no database.
import { createServer } from 'node:http';

const body = JSON.stringify({ success: true, data: { id: 'agt_ceiling', name: 'Bench' } });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(JSON.stringify({ ready: true })));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
