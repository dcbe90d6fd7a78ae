// The floor a Node proxy reaches on this machine, run as its own process by the benchmark: node:http in, node:http
// out to TARGET, bytes piped both ways over a keep-alive agent — no parsing, auth or metering. Prints `listening <url>`.
import http from 'node:http';

const target = new URL(process.env.TARGET);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4096 });
const server = http.createServer((request, response) => {
  const options = { host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers, agent };
  const outgoing = http.request(options, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
  });
  outgoing.on('error', () => response.destroy());
  request.pipe(outgoing);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
