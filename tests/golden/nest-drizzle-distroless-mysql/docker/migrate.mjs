// Apply the Drizzle migrations in drizzle/ to DATABASE_URL, then exit
// (written by node-docker-wizard). It needs only production dependencies: drizzle-orm
// and mysql2, not drizzle-kit. Run it once per deploy: migrate() takes no lock.
import mysql from "mysql2/promise";
import { drizzle } from "drizzle-orm/mysql2";
import { migrate } from "drizzle-orm/mysql2/migrator";
import { fileURLToPath } from "node:url";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set: nothing to migrate.");
  process.exit(2);
}
const migrationsFolder = fileURLToPath(new URL("../drizzle", import.meta.url));

const client = await mysql.createConnection(url);
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
