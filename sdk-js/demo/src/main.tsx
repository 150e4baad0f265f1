import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import App from "./App";
import "./App.css";

// The runtime provides #root; create one rather than show a blank page if it is missing.
const container = document.getElementById("root") ?? document.body.appendChild(document.createElement("div"));

createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
