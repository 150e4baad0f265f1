import { NavLink } from "react-router-dom";
import { Boxes } from "lucide-react";
import { APP_NAME, navItems } from "../routes";

export default function AppSidebar() {
  return (
    <aside className="app-sidebar" aria-label="Main navigation">
      <div className="app-sidebar__brand">
        <Boxes size={22} aria-hidden="true" />
        <span>{APP_NAME}</span>
      </div>
      <nav className="app-sidebar__nav">
        {navItems.map(({ path, label, icon: Icon }) => (
          <NavLink
            key={path}
            to={path}
            end={path === "/"}
            className={({ isActive }) => (isActive ? "nav-link is-active" : "nav-link")}
          >
            <Icon size={18} aria-hidden="true" />
            <span>{label}</span>
          </NavLink>
        ))}
      </nav>
    </aside>
  );
}
