"""A small MultiWorkerMirroredStrategy job on MNIST-shaped synthetic data (no downloads).

Start it on every chief and worker member at the same time; each reads its TF_CONFIG (exported
by /etc/profile.d/tf_config.sh in a login shell, or by the member's run script), and the job
trains one model with gradients all-reduced across them. Written against tf.distribute and
tf.Variable only, so it does not depend on the Keras version the image has.

Environment: STEPS (default 200), BATCH_PER_WORKER (default 64), LEARNING_RATE (default 0.1).
"""

import json
import os

import numpy as np
import tensorflow as tf


def main():
    tf_config = json.loads(os.environ.get("TF_CONFIG", "{}"))
    cluster = tf_config.get("cluster", {})
    task = tf_config.get("task", {})
    workers = len(cluster.get("chief", [])) + len(cluster.get("worker", []))
    steps = int(os.environ.get("STEPS", "200"))
    batch = int(os.environ.get("BATCH_PER_WORKER", "64")) * max(workers, 1)
    rate = float(os.environ.get("LEARNING_RATE", "0.1"))

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    print(f"task {task.get('type')}:{task.get('index')} of {workers} workers, "
          f"{strategy.num_replicas_in_sync} replicas in sync, global batch {batch}")

    # The same synthetic set on every worker (same seed), each training on its shard: a hidden
    # rule (a random linear map) labels random 28x28 images, so the loss really goes down.
    rng = np.random.default_rng(0)
    images = rng.random((8192, 784), dtype=np.float32)
    labels = np.argmax(images @ rng.standard_normal((784, 10)).astype(np.float32), axis=1)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(8192, seed=0).repeat().batch(batch)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    batches = iter(strategy.experimental_distribute_dataset(dataset.with_options(options)))

    mean = tf.VariableAggregation.MEAN
    with strategy.scope():
        w1 = tf.Variable(tf.random.normal([784, 128], stddev=0.05, seed=1), aggregation=mean)
        b1 = tf.Variable(tf.zeros([128]), aggregation=mean)
        w2 = tf.Variable(tf.random.normal([128, 10], stddev=0.05, seed=2), aggregation=mean)
        b2 = tf.Variable(tf.zeros([10]), aggregation=mean)
    variables = [w1, b1, w2, b2]

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            logits = tf.nn.relu(x @ w1 + b1) @ w2 + b2
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        # MEAN variables average these updates over every replica of every worker.
        for variable, gradient in zip(variables, tape.gradient(loss, variables)):
            variable.assign_sub(rate * gradient)
        return loss

    @tf.function
    def train_step(iterator):
        x, y = next(iterator)
        losses = strategy.run(replica_step, args=(x, y))
        return strategy.reduce(tf.distribute.ReduceOp.MEAN, losses, axis=None)

    for step in range(1, steps + 1):
        loss = train_step(batches)
        if step == 1 or step % 20 == 0 or step == steps:
            print(f"step {step}: loss {float(loss):.4f}", flush=True)
    print("done")


if __name__ == "__main__":
    main()
