import { useLocation } from "react-router-dom";
import { LogIn, UserCircle } from "lucide-react";
import { titleFor } from "../routes";

/** The runtime sets __APP_TOKEN__ to "" for anonymous visitors (§18.4); the SDK then reads the public endpoints. */
function isSignedIn(): boolean {
  return Boolean((window as unknown as { __APP_TOKEN__?: string }).__APP_TOKEN__);
}

export default function AppHeader() {
  const { pathname } = useLocation();
  const signedIn = isSignedIn();
  return (
    <header className="app-header">
      <div className="app-header__title">{titleFor(pathname)}</div>
      <div className="app-header__user" title={signedIn ? "Signed in" : "Browsing as a guest (read-only)"}>
        {signedIn ? <UserCircle size={18} aria-hidden="true" /> : <LogIn size={18} aria-hidden="true" />}
        <span>{signedIn ? "Signed in" : "Guest"}</span>
      </div>
    </header>
  );
}
