import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { useRoute } from './router';
import './styles.css';

/** The last line of defence (the shell itself failing): still a message and a way back, never a blank page. */
function Root() {
  const route = useRoute();
  return (
    <ErrorBoundary what="Runledger" resetKey={route.path}>
      <App />
    </ErrorBoundary>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
