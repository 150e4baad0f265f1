import { Link } from "react-router-dom";
import { Compass } from "lucide-react";

export default function NotFoundPage() {
  return (
    <section className="page page--center" data-testid="page-not-found">
      <Compass size={40} aria-hidden="true" className="muted" />
      <h1>Page not found</h1>
      <p className="muted">The page you are looking for does not exist.</p>
      <Link to="/" className="btn btn--primary">
        Back to the overview
      </Link>
    </section>
  );
}
