/**
 * Renderer entry: one query client for everything read from main, and the
 * stylesheets (plain CSS files, because the CSP allows only same-origin styles).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { takeTokenFromAddressBar } from './api/client.ts';
import { createQueryClient } from './api/query-client.ts';
import { App } from './app/App.tsx';
import './styles/tokens.css';
import './styles/base.css';
import './styles/shell.css';
import './styles/components.css';
import './styles/badges.css';
import './styles/tables.css';
import './styles/forms.css';
import './styles/run.css';
import './styles/rollout.css';
import './styles/blue-green.css';
import './styles/wizard.css';

// Browser mode: the access token leaves the address bar before anything renders (a no-op in Electron).
takeTokenFromAddressBar();

const container = document.getElementById('root');
if (!container) throw new Error('index.html is missing <div id="root">');

createRoot(container).render(
  <StrictMode>
    <QueryClientProvider client={createQueryClient()}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
