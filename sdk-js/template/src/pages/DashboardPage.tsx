import { useCallback, useEffect, useState } from "react";
import toast from "react-hot-toast";
import { Database, Play, RefreshCw } from "lucide-react";
import { listRecords } from "../api";
import { runAction } from "../action";

/** The Custom Data table this page reads; create it in the builder, or change the name. */
const TABLE = "items";

interface Item {
  id: string;
  name: string;
  status: string;
  updatedAt: string;
}

/** Shown until the table exists (or while the API cannot be reached), so the page is never empty. */
const SAMPLE_ITEMS: Item[] = [
  { id: "sample-1", name: "Welcome to your new app", status: "open", updatedAt: "2025-01-06T09:00:00Z" },
  { id: "sample-2", name: "Create an \"items\" table in the builder", status: "open", updatedAt: "2025-01-05T15:30:00Z" },
  { id: "sample-3", name: "Edit src/pages/DashboardPage.tsx", status: "done", updatedAt: "2025-01-04T11:15:00Z" },
];

type Source = "loading" | "live" | "sample";

function errorMessage(err: unknown): string {
  return err instanceof Error && err.message ? err.message : String(err);
}

function toItem(record: { id: string; data?: Record<string, unknown>; updated_at?: string | null; created_at?: string }): Item {
  const data = record.data ?? {};
  return {
    id: String(record.id),
    name: typeof data.name === "string" && data.name ? data.name : `Record ${String(record.id).slice(0, 8)}`,
    status: typeof data.status === "string" ? data.status : "open",
    updatedAt: record.updated_at || record.created_at || "",
  };
}

function formatDate(value: string): string {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toLocaleString() : "—";
}

export default function DashboardPage() {
  const [items, setItems] = useState<Item[]>([]);
  const [source, setSource] = useState<Source>("loading");
  const [running, setRunning] = useState(false);

  const load = useCallback(async (isCancelled: () => boolean = () => false) => {
    setSource("loading");
    try {
      const records = await listRecords(TABLE);
      if (isCancelled()) return;
      setItems(Array.isArray(records) ? records.map(toItem) : []);
      setSource("live");
    } catch (err) {
      if (isCancelled()) return;
      setItems(SAMPLE_ITEMS);
      setSource("sample");
      toast.error(`Could not load "${TABLE}": ${errorMessage(err)}. Showing sample data.`, { id: "dashboard-load" });
    }
  }, []);

  useEffect(() => {
    let cancelled = false;
    void load(() => cancelled);
    return () => {
      cancelled = true;
    };
  }, [load]);

  async function handleRunAction() {
    setRunning(true);
    try {
      const { data } = await runAction("example_action", { name: "appbox" });
      const message = data && typeof data === "object" && typeof data.message === "string" ? data.message : "Action finished";
      toast.success(message);
    } catch (err) {
      toast.error(`Action failed: ${errorMessage(err)}`);
    } finally {
      setRunning(false);
    }
  }

  const openCount = items.filter((item) => item.status !== "done").length;

  return (
    <section className="page" data-testid="page-dashboard">
      <div className="page__header">
        <div>
          <h1>Dashboard</h1>
          <p className="muted">
            Records of the <code>{TABLE}</code> table.
            {source === "sample" && <span className="badge badge--warning">Showing sample data</span>}
          </p>
        </div>
        <div className="page__actions">
          <button type="button" className="btn" onClick={() => void load()} disabled={source === "loading"}>
            <RefreshCw size={16} aria-hidden="true" />
            Refresh
          </button>
          <button type="button" className="btn btn--primary" onClick={() => void handleRunAction()} disabled={running}>
            <Play size={16} aria-hidden="true" />
            {running ? "Running…" : "Run example action"}
          </button>
        </div>
      </div>

      <div className="stats">
        <div className="card stat">
          <span className="muted">Records</span>
          <strong data-testid="stat-total">{items.length}</strong>
        </div>
        <div className="card stat">
          <span className="muted">Open</span>
          <strong>{openCount}</strong>
        </div>
      </div>

      <div className="card">
        {source === "loading" ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : items.length === 0 ? (
          <div className="empty">
            <Database size={28} aria-hidden="true" />
            <p>No records yet.</p>
          </div>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Status</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>{item.name}</td>
                  <td>
                    <span className={item.status === "done" ? "badge badge--success" : "badge"}>{item.status}</span>
                  </td>
                  <td className="muted">{formatDate(item.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
