/** Page object for the register/edit cluster form (data-testids documented in renderer). */
import type { Page } from 'playwright-core';

export interface NodeInput {
  name: string;
  host: string;
  port?: string;
  user: string;
}

export interface ClusterFormInput {
  name: string;
  environment?: string;
  version: string;
  nodes: NodeInput[];
  db: { host: string; port?: string; name: string; user: string };
  traffic: { name: string; server: string };
}

export class ClusterFormPage {
  constructor(private readonly page: Page) {}

  async fill(input: ClusterFormInput): Promise<void> {
    const p = this.page;
    await p.getByTestId('cluster-form').waitFor();
    await p.getByTestId('field-name').fill(input.name);
    if (input.environment) await p.getByTestId('field-environment').selectOption(input.environment);
    await p.getByTestId('field-keycloak-version').fill(input.version);
    for (const [i, n] of input.nodes.entries()) {
      if ((await p.getByTestId(`field-node-${i}-name`).count()) === 0) await p.getByTestId('add-node').click();
      await p.getByTestId(`field-node-${i}-name`).fill(n.name);
      await p.getByTestId(`field-node-${i}-host`).fill(n.host);
      if (n.port) await p.getByTestId(`field-node-${i}-port`).fill(n.port);
      await p.getByTestId(`field-node-${i}-user`).fill(n.user);
    }
    await p.getByTestId('field-db-host').fill(input.db.host);
    if (input.db.port) await p.getByTestId('field-db-port').fill(input.db.port);
    await p.getByTestId('field-db-name').fill(input.db.name);
    await p.getByTestId('field-db-user').fill(input.db.user);
    await p.getByTestId('field-traffic-kind').selectOption('dns');
    await p.getByTestId('field-traffic-name').fill(input.traffic.name);
    await p.getByTestId('field-traffic-server').fill(input.traffic.server);
  }

  submit(): Promise<void> {
    return this.page.getByTestId('submit-cluster').click();
  }

  error(field: string) {
    return this.page.getByTestId(`error-${field}`);
  }

  banner() {
    return this.page.getByTestId('form-error');
  }
}
