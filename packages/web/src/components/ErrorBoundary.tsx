// A view that throws while rendering (or in an effect) shows what failed and a way back, instead
// of React unmounting the whole app and leaving a blank page. The boundary stays mounted across
// navigation and clears itself when `resetKey` (the address) changes, so it also catches errors
// from a view's clean-up as the user leaves it.
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Link } from '../router';

interface Props {
  readonly children: ReactNode;
  /** What this boundary guards, for the message ("the run view"). */
  readonly what: string;
  /** Changing it clears a caught error (the route: navigating away recovers). */
  readonly resetKey: string;
}

interface State {
  readonly error: Error | null;
  readonly key: string;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // The console keeps the stack for whoever debugs it; the page shows the message.
    console.error(`runledger: ${this.props.what} failed`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="banner error view-crash" role="alert" data-testid="view-error">
        <div>
          <strong>Something went wrong showing {this.props.what}.</strong> <code className="code-tag">CLIENT_ERROR</code>{' '}
          <span className="msg">{error.message}</span>
          <div className="small">
            Nothing was changed on the server. Reloading the page or going back usually helps; if it keeps happening, report the message above.
          </div>
        </div>
        <div className="crash-actions">
          <button type="button" className="btn-small" onClick={() => history.back()} data-testid="view-error-back">
            ← Back
          </button>
          <Link className="button btn-small" to="/" data-testid="view-error-home">
            Dashboard
          </Link>
          <button type="button" className="btn-small" onClick={() => this.setState({ error: null })} data-testid="view-error-retry">
            Try again
          </button>
        </div>
      </div>
    );
  }
}
