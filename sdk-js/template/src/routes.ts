import { LayoutDashboard, type LucideIcon } from "lucide-react";

/** One sidebar entry. Add a page: create it in pages/, list it in pages/_manifest.json, add a <Route> in App.tsx and an entry here. */
export interface NavItem {
  path: string;
  label: string;
  icon: LucideIcon;
}

export const APP_NAME = "My App";

export const navItems: NavItem[] = [{ path: "/", label: "Dashboard", icon: LayoutDashboard }];

/** The title of the page at `pathname`, for the header. */
export function titleFor(pathname: string): string {
  return navItems.find((item) => item.path === pathname)?.label ?? "Not found";
}
