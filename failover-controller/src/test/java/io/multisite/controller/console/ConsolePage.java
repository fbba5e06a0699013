package io.multisite.controller.console;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The live console in headless Chromium, read through its DOM hooks ({@code data-unit},
 * {@code data-owner}, {@code data-state}, {@code data-site}, {@code data-site-state}). Needs only
 * the base URL of a gateway or a controller, so end-to-end tests can use it as it is.
 *
 * <p>Uses the distribution's {@code chromium} and {@code chromedriver} (Debian: {@code apt-get install
 * chromium chromium-driver}), never Selenium Manager, which would try to download them.
 * {@code MULTISITE_CHROMIUM} and {@code MULTISITE_CHROMEDRIVER} override their paths.
 */
final class ConsolePage implements AutoCloseable {

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("MULTISITE_CHROMIUM", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("MULTISITE_CHROMEDRIVER", "/usr/bin/chromedriver"));
    /** The variable that turns a missing browser into a failure, as it does for a missing Docker (set by .ci/run). */
    static final String REQUIRE = "MULTISITE_REQUIRE_DOCKER";

    private static final String READ_CELLS = """
            return Array.from(document.querySelectorAll('#grid [data-unit]')).map(function (cell) {
              return [cell.getAttribute('data-unit'), cell.getAttribute('data-owner'), cell.getAttribute('data-state'),
                      getComputedStyle(cell).backgroundColor];
            });""";

    /** One unit's cell as drawn: {@code background} is the computed background-color. */
    record Cell(int unit, String owner, String state, String background) {
    }

    private final WebDriver driver;
    private final Path screenshots;

    private ConsolePage(WebDriver driver, Path screenshots) {
        this.driver = driver;
        this.screenshots = screenshots;
    }

    /**
     * Chromium and chromedriver must be installed. Where {@code MULTISITE_REQUIRE_DOCKER=true} (CI)
     * their absence fails the test; elsewhere the test is aborted, never passed.
     */
    static void requireBrowser() {
        List<String> missing = Stream.of(CHROMIUM, CHROMEDRIVER).filter(p -> !Files.isExecutable(p)).map(Path::toString).toList();
        if (missing.isEmpty()) {
            return;
        }
        String message = "headless Chromium needs " + String.join(" and ", missing) + " (apt-get install chromium chromium-driver)";
        if ("true".equalsIgnoreCase(System.getenv(REQUIRE))) {
            fail(message + "; required because " + REQUIRE + "=true");
        }
        Assumptions.abort(message + "; set " + REQUIRE + "=true to make this a failure");
    }

    /** Opens {@code baseUrl + "/console"}; screenshots go to {@code screenshots}. */
    static ConsolePage open(String baseUrl, Path screenshots) {
        requireBrowser();
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                "--no-first-run", "--disable-extensions", "--disable-background-networking");
        ChromeDriver driver = new ChromeDriver(service, options);
        try {
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            driver.get(baseUrl.replaceAll("/+$", "") + "/console");
            return new ConsolePage(driver, screenshots);
        } catch (RuntimeException e) {
            driver.quit();
            throw e;
        }
    }

    /** Waits until the grid shows {@code count} units, each with an owner. */
    ConsolePage awaitUnits(int count, Duration timeout) {
        return awaitCells(cells -> cells.size() == count && cells.values().stream().allMatch(c -> c.owner() != null), timeout);
    }

    /** Waits until the cells satisfy the condition, re-reading them every 250 ms. */
    ConsolePage awaitCells(Predicate<Map<Integer, Cell>> condition, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> condition.test(cells()));
        return this;
    }

    ConsolePage awaitSiteState(String site, String state, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> state.equals(siteState(site)));
        return this;
    }

    /** Every unit's cell, by unit number, read in one round trip. */
    @SuppressWarnings("unchecked")
    Map<Integer, Cell> cells() {
        List<List<Object>> rows = (List<List<Object>>) ((JavascriptExecutor) driver).executeScript(READ_CELLS);
        Map<Integer, Cell> cells = new TreeMap<>();
        for (List<Object> row : rows) {
            int unit = Integer.parseInt((String) row.get(0));
            cells.put(unit, new Cell(unit, (String) row.get(1), (String) row.get(2), (String) row.get(3)));
        }
        return cells;
    }

    /** The site's state in the sites table ({@code data-site-state}), or null if it has no row. */
    String siteState(String site) {
        // Read in the page in one step: the rows are redrawn with every snapshot, so a held element goes stale.
        return (String) ((JavascriptExecutor) driver).executeScript("""
                var site = arguments[0];
                var row = Array.from(document.querySelectorAll('#sites tr[data-site]')).find(function (r) {
                  return r.getAttribute('data-site') === site;
                });
                return row ? row.getAttribute('data-site-state') : null;""", site);
    }

    /** The lag matrix's value for what {@code site} has applied of {@code origin} ({@code data-bytes}); null when unknown. */
    Long lagBytes(String site, String origin) {
        String bytes = (String) ((JavascriptExecutor) driver).executeScript("""
                var site = arguments[0], origin = arguments[1];
                var cell = Array.from(document.querySelectorAll('#lag td[data-site]')).find(function (c) {
                  return c.getAttribute('data-site') === site && c.getAttribute('data-origin') === origin;
                });
                return cell ? cell.getAttribute('data-bytes') : null;""", site, origin);
        return bytes == null || bytes.isEmpty() ? null : Long.valueOf(bytes);
    }

    String epoch() {
        return driver.findElement(By.id("epoch")).getDomAttribute("data-epoch");
    }

    /** Saves a PNG of the window as {@code name} in the screenshot folder. */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(screenshots);
        Path file = screenshots.resolve(name);
        Files.write(file, ((ChromeDriver) driver).getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
