"""The console in a real browser: headless Chromium (Debian's chromium and chromium-driver,
installed by .ci/browser.sh) driven by selenium against a live `smemu server` over jobs trained
in conftest.py. Screenshots are saved in the test's tmp dir (and copied to
$SMEMU_CONSOLE_SCREENSHOTS when set, which is how docs/console-job.png was made).
Without Chromium these tests skip, except under CI=true, where they fail."""

from __future__ import annotations

import json
import os
import shutil
import time

import numpy as np
import pytest

from smemu.emulator.console import model_view
from smemu.emulator.store import JobStore
from smemu.pytest_plugin import SmemuServer

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
KMEANS = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"


def _missing(why: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{why}; CI runs .ci/browser.sh to install it")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _missing("Chromium or chromedriver is not installed (apt-get install chromium "
                 "chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1800",
                     "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def live(trained_root):
    server = SmemuServer(trained_root)
    yield server
    server.stop()


def _errors(driver) -> list:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _screenshot(driver, tmp_path, name: str) -> None:
    path = tmp_path / name
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    target = os.environ.get("SMEMU_CONSOLE_SCREENSHOTS")
    if target:
        shutil.copy(path, os.path.join(target, name))


def test_jobs_page_lists_the_jobs_and_is_keyboard_navigable(browser, live, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(live.url + "/")          # a browser's GET / lands on the console
    assert browser.current_url.endswith("/console/")
    rows = browser.find_elements(By.CSS_SELECTOR, "#jobs tbody tr")
    assert [r.get_attribute("data-name") for r in rows] == ["console-pca", "console-linear",
                                                            "console-kmeans"]
    assert all("Completed" in row.text for row in rows)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    reached = set()
    for _ in range(14):                  # tab through: filters and every job link are reachable
        browser.switch_to.active_element.send_keys(Keys.TAB)
        reached.add(browser.switch_to.active_element.text)
    assert {"console-linear", "console-kmeans", "Filter"} <= reached
    time.sleep(3.5)                      # one live-status refresh ran
    assert _errors(browser) == []
    _screenshot(browser, tmp_path, "console-jobs.png")


def test_job_page_renders_charts_without_errors(browser, live, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(live.url + "/console/jobs/console-linear")
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 3
    for chart in charts:                 # drawn: a real size on the page, and marks inside
        box = browser.execute_script("var b = arguments[0].getBBox(); return [b.width, b.height]",
                                     chart)
        assert box[0] > 100 and box[1] > 100
        assert len(chart.find_elements(By.CSS_SELECTOR, "polyline, rect, circle")) > 3
    log = browser.find_element(By.ID, "log")
    assert "#quality_metric" in log.text
    search = browser.find_element(By.ID, "log-search")
    search.send_keys("validation binary")
    shown = [s for s in log.find_elements(By.TAG_NAME, "span") if s.is_displayed()]
    assert shown and all("validation binary" in s.text for s in shown)
    assert _errors(browser) == []
    _screenshot(browser, tmp_path, "console-job-linear-learner.png")
    browser.get(live.url + "/console/jobs/console-kmeans")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart g.highlight")) == 5
    assert _errors(browser) == []
    _screenshot(browser, tmp_path, "console-job.png")


def test_try_it_form_returns_the_prediction(browser, live, trained_root, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    record = JobStore(trained_root).load("console-kmeans")
    artifact = model_view.artifact_path(record)
    centroids = next(iter(model_view.read_arrays(artifact).values()))
    import boto3

    sagemaker = boto3.client("sagemaker", endpoint_url=live.url, region_name="us-east-1",
                             aws_access_key_id="testing", aws_secret_access_key="testing")
    sagemaker.create_model(ModelName="tryit", ExecutionRoleArn=ROLE,
                           PrimaryContainer={"Image": KMEANS, "ModelDataUrl": artifact.as_uri()})
    sagemaker.create_endpoint_config(EndpointConfigName="tryit", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": "tryit", "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sagemaker.create_endpoint(EndpointName="tryit", EndpointConfigName="tryit")
    sagemaker.get_waiter("endpoint_in_service").wait(
        EndpointName="tryit", WaiterConfig={"Delay": 0.5, "MaxAttempts": 240})

    record_values = centroids[3] + 0.25
    browser.get(live.url + "/console/endpoints")
    form = browser.find_element(By.CSS_SELECTOR, "form.try-it")
    form.find_element(By.NAME, "body").send_keys(",".join(f"{v:.6f}" for v in record_values))
    Select(form.find_element(By.NAME, "content_type")).select_by_visible_text("text/csv")
    form.find_element(By.TAG_NAME, "button").click()
    # the click returns once the POST is sent, not when the answer page has loaded
    WebDriverWait(browser, 30).until(
        lambda _: browser.find_elements(By.CSS_SELECTOR, ".result h3"))
    heading = browser.find_element(By.CSS_SELECTOR, ".result h3").text
    assert heading.startswith("Response: HTTP 200 in ") and heading.endswith(" ms")
    answer = json.loads(browser.find_element(By.ID, "response").text)
    distances = np.linalg.norm(centroids - record_values.astype(np.float32), axis=1)
    prediction = answer["predictions"][0]
    assert prediction["closest_cluster"] == int(distances.argmin()) == 3
    assert prediction["distance_to_cluster"] == pytest.approx(float(distances.min()), rel=1e-4)
    assert _errors(browser) == []
    _screenshot(browser, tmp_path, "console-endpoints.png")


def test_live_tail_follows_a_running_job_and_stays_bounded(browser, live, trained_root):
    """A job recorded as running (its runner is this test's process) whose log grows by 10,000
    lines: the page shows the newest lines, keeps at most LOG_TAIL_LINES of them, and takes the
    final status when the job ends."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from smemu.emulator.console.data import LOG_TAIL_LINES

    store = JobStore(trained_root)
    now = time.time()
    record = {"TrainingJobName": "console-running", "TrainingJobStatus": "InProgress",
              "SecondaryStatus": "Training", "CreationTime": now, "TrainingStartTime": now}
    store.create(record)
    try:
        store.claim("console-running")
        store.log_path("console-running").write_text("first line\n")
        browser.get(live.url + "/console/jobs/console-running")
        log = browser.find_element(By.ID, "log")
        assert log.text.strip() == "first line"
        with open(store.log_path("console-running"), "a") as handle:
            handle.writelines(f"line {i} <b>not bold</b>\n" for i in range(10_000))
        WebDriverWait(browser, 20).until(lambda _: "line 9999 <b>" in log.text)
        spans = browser.execute_script("return document.querySelectorAll('#log span').length")
        assert spans <= LOG_TAIL_LINES
        assert not browser.find_elements(By.CSS_SELECTOR, "#log b")     # text, not HTML
        record.update(TrainingJobStatus="Completed", SecondaryStatus="Completed")
        store.save(record)
        WebDriverWait(browser, 20).until(
            lambda _: browser.find_element(By.ID, "job-status").text == "Completed")
        assert _errors(browser) == []
    finally:
        shutil.rmtree(store.job_dir("console-running"))
