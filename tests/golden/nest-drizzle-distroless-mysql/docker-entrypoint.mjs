// Entrypoint of billing for the distroless image, which has no shell (written by
// node-docker-wizard; see DOCKER.md): wait for the database, run migrations when RUN_MIGRATIONS=true, then run the script given as the command
// in this same process.
import { spawnSync } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";

const timeoutSeconds = Number(process.env.WAIT_TIMEOUT || 60);

// Open a TCP connection to the host in `raw` (read from the variable `name`) until it answers or
// the timeout passes.
async function waitFor(name, raw, defaultPort) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    console.error(name + " is not set or not a URL");
    process.exit(2);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || defaultPort);
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const up = await new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const done = (ok) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(2000, () => done(false));
      socket.once("error", () => done(false));
      socket.once("connect", () => done(true));
    });
    if (up) {
      console.error(name + ": " + host + ":" + port + " is up");
      return;
    }
    if (Date.now() >= deadline) {
      console.error(name + ": " + host + ":" + port + " did not accept connections within " + timeoutSeconds + "s");
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

await waitFor("DATABASE_URL", process.env.DATABASE_URL ?? "", 3306);

if (process.env.RUN_MIGRATIONS === "true") {
  console.error("Running database migrations (the Drizzle migrations in drizzle/)");
  const result = spawnSync(process.execPath, ["docker/migrate.mjs"], {
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.error("Migrations failed: not starting the service.");
    process.exit(1);
  }
}

// Run the command's script here, as `node <script> [args]` would: same process, same signals.
const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error("usage: docker-entrypoint.mjs <script> [args...]");
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(script), ...args];
await import(pathToFileURL(path.resolve(script)).href);
