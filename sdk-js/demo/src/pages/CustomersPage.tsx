import { useEffect, useState } from "react";
import toast from "react-hot-toast";
import { query } from "../db";

interface Customer {
  id: string;
  name: string;
  email?: string | null;
  city?: string | null;
}

export default function CustomersPage() {
  const [customers, setCustomers] = useState<Customer[] | null>(null);

  useEffect(() => {
    let cancelled = false;
    query<Customer & Record<string, unknown>>("customers", { order_by: [{ column: "name", direction: "asc" }], limit: 50 })
      .then((rows) => !cancelled && setCustomers(rows))
      .catch((err: unknown) => {
        if (cancelled) return;
        setCustomers([]);
        toast.error(`Could not load the customers: ${err instanceof Error ? err.message : String(err)}`, { id: "customers-load" });
      });
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <section className="page" data-testid="page-customers">
      <div className="page__header">
        <div>
          <h1>Customers</h1>
          <p className="muted">
            The ERP <code>customers</code> table, read through the app's reference with db.ts.
          </p>
        </div>
      </div>
      <div className="card">
        {customers === null ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : customers.length === 0 ? (
          <p className="muted">No customers.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>City</th>
              </tr>
            </thead>
            <tbody>
              {customers.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td className="muted">{c.email ?? "—"}</td>
                  <td className="muted">{c.city ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
