"""IP Insights hyperparameters, as the AWS developer guide page "IP Insights Hyperparameters"
lists them."""

from __future__ import annotations

from smemu.algorithms.hyperparameters import Float, Integer, Schema, require


def _sampling_rates(config) -> None:
    total = config["random_negative_sampling_rate"] + config["shuffled_negative_sampling_rate"]
    require(1 <= total <= 500,
            f"The sum of random_negative_sampling_rate and shuffled_negative_sampling_rate must "
            f"be between 1 and 500; it is {total}. Raise one of them (the defaults are 1 and 1).",
            name="random_negative_sampling_rate")


SCHEMA = Schema(
    "ipinsights",
    {
        "num_entity_vectors": Integer(min=1, max=250_000_000, required=True,
                                      doc="entity embeddings entities are hashed into"),
        "vector_dim": Integer(min=4, max=4096, required=True,
                              doc="size of the entity and IP embeddings"),
        "batch_metrics_publish_interval": Integer("1000", min=1,
                                                  doc="batches between speed lines"),
        "epochs": Integer("10", min=1, doc="passes over the training data"),
        "learning_rate": Float("0.001", min=1e-6, max=10.0, doc="Adam's learning rate"),
        "mini_batch_size": Integer("10000", min=1, max=500_000, doc="examples per mini-batch"),
        "num_ip_encoder_layers": Integer("1", min=0, max=100,
                                         doc="fully connected layers encoding the IP embedding"),
        "random_negative_sampling_rate": Integer("1", min=0, max=500,
                                                 doc="random-IP negatives per example"),
        "shuffled_negative_sampling_rate": Integer("1", min=0, max=500,
                                                   doc="shuffled-pair negatives per example"),
        "weight_decay": Float("0.00001", min=0.0, max=10.0, doc="L2 regularisation"),
    },
    checks=(_sampling_rates,),
    # the SageMaker Python SDK's IPInsights sends the RecordSet's feature_dim (2) like every
    # Amazon estimator; the container takes it and nothing depends on it
    tolerated=("feature_dim",),
)
