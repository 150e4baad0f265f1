import { Link } from "react-router-dom";
import { ClipboardList, Users } from "lucide-react";

export default function DashboardPage() {
  const signedIn = Boolean((window as unknown as { __APP_TOKEN__?: string }).__APP_TOKEN__);
  return (
    <section className="page" data-testid="page-overview">
      <div className="page__header">
        <div>
          <h1>Welcome to the demo app</h1>
          <p className="muted">
            A multi-page app built on appbox: React with a HashRouter, the SDK's Custom Data and DB proxy calls, and toasts, running in
            the runtime's closed shadow root.
          </p>
        </div>
      </div>
      <div className="stats">
        <Link className="card stat" to="/tasks">
          <ClipboardList size={20} aria-hidden="true" />
          <strong>Tasks</strong>
          <span className="muted">A Custom Table, read and written with api.ts</span>
        </Link>
        <Link className="card stat" to="/customers">
          <Users size={20} aria-hidden="true" />
          <strong>Customers</strong>
          <span className="muted">An ERP table, read with db.ts through a reference</span>
        </Link>
      </div>
      {!signedIn && <p className="muted">You are browsing as a guest: sign in on the appbox home page to add tasks.</p>}
    </section>
  );
}
