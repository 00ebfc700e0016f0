/**
 * Where the operator is in the upgrade: six steps in a row, done ones ticked.
 * Done steps can be revisited until the run starts; from then on only Run
 * and Verify open, because the decision was made and main holds it.
 */
import type { WizardStep } from './wizard-store.ts';

const labels: Record<WizardStep, string> = {
  target: 'Target',
  preflight: 'Pre-flight',
  strategy: 'Strategy',
  backup: 'Backup',
  run: 'Run',
  verify: 'Verify',
};

/** One step's look and whether it can be opened. */
export interface StepperItem {
  step: WizardStep;
  state: 'done' | 'current' | 'upcoming' | 'failed';
  /** The step on screen (a failed Run step is both failed and current). */
  current: boolean;
  open: boolean;
}

/** The stepper; `onOpen` is called for openable steps only. */
export function WizardStepper({ items, onOpen }: { items: StepperItem[]; onOpen: (step: WizardStep) => void }) {
  return (
    <ol className="stepper" data-testid="wizard-stepper">
      {items.map((it, i) => (
        <li key={it.step} className={`stepper-item stepper-${it.state}${it.current ? ' stepper-on' : ''}`} data-testid={`stepper-${it.step}`} data-state={it.state}>
          <button type="button" className="stepper-button" disabled={!it.open || it.current} aria-current={it.current ? 'step' : undefined} onClick={() => onOpen(it.step)}>
            <span className="stepper-index" aria-hidden="true">
              {it.state === 'done' ? '✓' : it.state === 'failed' ? '✕' : i + 1}
            </span>
            <span className="stepper-label">{labels[it.step]}</span>
          </button>
        </li>
      ))}
    </ol>
  );
}
