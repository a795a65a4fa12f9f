// Apply the Drizzle migrations in drizzle/ to DATABASE_URL, then exit
// (written by node-docker-wizard). It needs only production dependencies: drizzle-orm
// and pg, not drizzle-kit. Run it once per deploy: migrate() takes no lock.
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { fileURLToPath } from "node:url";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set: nothing to migrate.");
  process.exit(2);
}
const migrationsFolder = fileURLToPath(new URL("../drizzle", import.meta.url));

const client = new pg.Client({ connectionString: url });
await client.connect();
const close = () => client.end();
try {
  await migrate(drizzle({ client }), { migrationsFolder });
  console.error("Migrations applied from " + migrationsFolder);
} catch (error) {
  console.error("Migration failed:", error);
  process.exitCode = 1;
} finally {
  await close();
}
