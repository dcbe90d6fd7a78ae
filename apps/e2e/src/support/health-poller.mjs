// Polls GET <url>/healthz back to back, in a process of its own, until stdin closes. Prints `polling` once the
// first answer is in, and the slowest answer in milliseconds at the end. Separate so that the test runner's own
// work (sending a 4 MiB body, its heap) is not measured along with the gateway.
const url = `${process.argv[2]}/healthz`;
let open = true;
process.stdin.on('end', () => (open = false)).resume();
let slowest = 0;
let polls = 0;
while (open) {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (polls++ === 0) process.stdout.write('polling\n');
  else slowest = Math.max(slowest, performance.now() - started); // the first poll also opened the connection
  await new Promise((resolve) => setTimeout(resolve, 5));
}
process.stdout.write(`slowest ${slowest}\n`);
