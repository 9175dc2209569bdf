package dev.meridian.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.testkit.TestSlice;
import java.io.File;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A stranger becomes a customer, in a real browser (Debian's headless Chromium): signs up, follows
 * the e-mailed link, logs in to the console, creates an API key there; then, as their CI would,
 * gets a token with the key over plain HTTP and launches the example workflow.
 */
@ExtendWith(LocalStackExtension.class)
class ConsoleBrowserE2E {

  private WebDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void openBrowser() {
    // Debian's binaries, so Selenium Manager never tries to download a browser.
    ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).build();
    ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium").addArguments("--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run");
    browser = new ChromeDriver(driver, options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(30));
  }

  @AfterEach
  void closeBrowser() {
    browser.quit();
  }

  private WebElement visible(String id) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
  }

  private void type(String id, String text) {
    WebElement field = visible(id);
    field.clear();
    field.sendKeys(text);
  }

  @Test
  void aStrangerSignsUpConfirmsLogsInCreatesAKeyAndTheirCiLaunchesWithIt() {
    LocalStack stack = LocalStackExtension.stack();
    String org = TestSlice.newOrg();
    String email = "founder@" + org + ".test";
    String password = "quiet meadow copper 7";

    browser.get(stack.gatewayUrl() + "/signup");
    type("orgName", "Browser " + org);
    type("orgSlug", org);
    type("email", email);
    type("password", "short");
    visible("create").click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-for=password]"), "at least 10 characters"));
    type("password", password);
    visible("create").click();
    assertThat(visible("done").getText()).contains(email);

    String link = await().atMost(Duration.ofSeconds(30)).until(() -> stack.mailbox().latestLinkTo(email).orElse(null), l -> l != null);
    browser.get(link);
    visible("confirm").click();
    visible("sign-in-link").click();

    wait.until(ExpectedConditions.urlContains("/login"));
    type("username", email);
    type("password", password);
    visible("sign-in").click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("org-name"), org));
    assertThat(visible("who").getText()).contains(email).contains("owner");

    type("key-name", "ci");
    new Select(visible("key-role")).selectByVisibleText("admin");
    visible("create-key").click();
    String secret = wait.until(driver -> {
      String text = driver.findElement(By.id("new-key-secret")).getText();
      return text.isBlank() ? null : text;
    });
    String clientId = visible("new-key-client-id").getText();

    MeridianClient ci = new MeridianClient(stack.gatewayUrl(), new MeridianClient.Credentials(clientId, secret));
    assertThat(ci.post("/api/v1/orgs/" + org + "/projects", Map.of("id", "pipelines", "name", "Pipelines")).status()).isEqualTo(201);
    String scope = "/api/v1/orgs/" + org + "/projects/pipelines/domains/development";
    Examples.register(ci, scope);
    var launched = ci.post(scope + "/executions", Map.of("launchPlan", Map.of("name", "quickstart.fanout", "version", "1"), "inputs", Map.of("n", 2)));
    assertThat(launched.status()).as(launched.body().toString()).isEqualTo(201);
    String execution = launched.body().get("id").asString();

    browser.navigate().refresh();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("executions"), execution));
    assertThat(visible("projects").getText()).contains("pipelines");
  }
}
