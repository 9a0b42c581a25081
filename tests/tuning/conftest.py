import pytest

from tuning.tuningdata import kmeans_data, linear_data


@pytest.fixture(scope="module")
def kmeans_dir(tmp_path_factory):
    return kmeans_data(tmp_path_factory.mktemp("kmeans-data"))


@pytest.fixture(scope="module")
def linear_dir(tmp_path_factory):
    return linear_data(tmp_path_factory.mktemp("linear-data"))
