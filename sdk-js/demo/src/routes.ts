import { ClipboardList, LayoutDashboard, Users, type LucideIcon } from "lucide-react";

/** One sidebar entry; each has a page in pages/ and a <Route> in App.tsx. */
export interface NavItem {
  path: string;
  label: string;
  icon: LucideIcon;
}

export const APP_NAME = "Demo app";

export const navItems: NavItem[] = [
  { path: "/", label: "Dashboard", icon: LayoutDashboard },
  { path: "/tasks", label: "Tasks", icon: ClipboardList },
  { path: "/customers", label: "Customers", icon: Users },
];

/** The title of the page at `pathname`, for the header. */
export function titleFor(pathname: string): string {
  return navItems.find((item) => item.path === pathname)?.label ?? "Not found";
}
