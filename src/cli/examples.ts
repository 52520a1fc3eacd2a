// The examples `demo` brings up: an app of catalog/ and a cluster of clusters/ each.
export interface DemoExample {
  /** The app's directory in catalog/: app.yaml, and package.yaml when it carries a setup package. */
  app: string;
  cluster: string;
  /** Role scaled after creation, and to how many members. */
  scale?: { role: string; members: number };
}

export const EXAMPLES: Record<string, DemoExample> = {
  spark: { app: 'catalog/spark', cluster: 'clusters/spark.yaml', scale: { role: 'worker', members: 4 } },
  cassandra: { app: 'catalog/cassandra', cluster: 'clusters/cassandra.yaml', scale: { role: 'worker', members: 3 } },
};
