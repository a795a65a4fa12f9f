import express from "express";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { orders } from "./schema.js";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
const db = drizzle(pool);
const app = express();
app.use(express.json());

app.get("/health", (_req, res) => {
  res.json({ status: "ok" });
});

app.get("/orders", async (_req, res) => {
  res.json(await db.select().from(orders));
});

app.post("/orders", async (req, res) => {
  const [created] = await db.insert(orders).values(req.body).returning();
  res.status(201).json(created);
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, () => console.log(`orders-api listening on ${port}`));

// Finish in-flight requests, then close the pool, when the container is stopped.
process.on("SIGTERM", () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
});
