import { Outlet } from "react-router-dom";
import AppHeader from "./AppHeader";
import AppSidebar from "./AppSidebar";

// .app-layout sets height: 100vh + overflow-y: auto: inside the runtime's
// shadow root nothing else scrolls, so a page taller than the window needs it (§11).
export default function AppLayout() {
  return (
    <div className="app-layout">
      <AppSidebar />
      <div className="app-main">
        <AppHeader />
        <main className="app-content">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
