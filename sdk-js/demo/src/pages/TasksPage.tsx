import { useCallback, useEffect, useState, type FormEvent } from "react";
import toast from "react-hot-toast";
import { Plus } from "lucide-react";
import { listRecords, submitRecord, type CustomRecord } from "../api";

/** The Custom Table `appbox serve --demo` creates with this app. */
const TABLE = "tasks";

function errorMessage(err: unknown): string {
  return err instanceof Error && err.message ? err.message : String(err);
}

export default function TasksPage() {
  const [tasks, setTasks] = useState<CustomRecord[] | null>(null);
  const [title, setTitle] = useState("");
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    try {
      const records = await listRecords(TABLE);
      setTasks(Array.isArray(records) ? records : []);
    } catch (err) {
      setTasks([]);
      toast.error(`Could not load the tasks: ${errorMessage(err)}`, { id: "tasks-load" });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function handleAdd(event: FormEvent) {
    event.preventDefault();
    const text = title.trim();
    if (!text) return;
    setSaving(true);
    try {
      await submitRecord(TABLE, { title: text, status: "open" });
      setTitle("");
      toast.success(`Added "${text}"`);
      await load();
    } catch (err) {
      toast.error(`Could not add the task: ${errorMessage(err)}`);
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="page" data-testid="page-tasks">
      <div className="page__header">
        <div>
          <h1>Tasks</h1>
          <p className="muted">
            Rows of the <code>{TABLE}</code> Custom Table.
          </p>
        </div>
      </div>
      <form className="form-row" onSubmit={(event) => void handleAdd(event)}>
        <input
          className="input"
          name="title"
          aria-label="New task"
          placeholder="What needs doing?"
          value={title}
          onChange={(event) => setTitle(event.target.value)}
        />
        <button type="submit" className="btn btn--primary" disabled={saving || !title.trim()}>
          <Plus size={16} aria-hidden="true" />
          Add task
        </button>
      </form>
      <div className="card">
        {tasks === null ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : tasks.length === 0 ? (
          <p className="muted">No tasks yet.</p>
        ) : (
          <ul className="task-list" data-testid="task-list">
            {tasks.map((task) => (
              <li key={task.id}>
                {String(task.data?.title ?? "")} <span className="badge">{String(task.data?.status ?? "open")}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
