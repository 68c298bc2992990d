package dev.poolstream.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One scenario's outcome: what was measured (rows) and what was checked (each with its verdict). */
public final class Result {

    public record Row(String label, String value) {
    }

    public record Check(String what, boolean ok, String detail) {
    }

    private final String scenario;
    private final String title;
    private final List<Row> rows = new ArrayList<>();
    private final List<Check> checks = new ArrayList<>();
    private Double converged;
    private Double undisturbed;
    private Double workingAgain;
    private Double readyToWorking;
    private String note = "";
    private String error;

    public Result(String scenario, String title) {
        this.scenario = scenario;
        this.title = title;
    }

    public String scenario() {
        return scenario;
    }

    public Result row(String label, String value) {
        rows.add(new Row(label, value));
        return this;
    }

    public Result seconds(String label, Double seconds) {
        return row(label, format(seconds));
    }

    public Result check(String what, boolean ok, String detail) {
        checks.add(new Check(what, ok, detail));
        return this;
    }

    public Result converged(Double seconds) {
        this.converged = seconds;
        return this;
    }

    public Result workingAgain(Double seconds) {
        this.workingAgain = seconds;
        return this;
    }

    /** The same change's time in the undisturbed run (scale-up, scale-down) this scenario compares with. */
    public Result undisturbed(Double seconds) {
        this.undisturbed = seconds;
        return this;
    }

    /** From the restarted process's readiness to working again. */
    public Result readyToWorking(Double seconds) {
        this.readyToWorking = seconds;
        return this;
    }

    /** A short line for the summary (what else was measured). */
    public Result note(String text) {
        this.note = text == null ? "" : text;
        return this;
    }

    public Result error(String message) {
        this.error = message;
        return this;
    }

    public Double converged() {
        return converged;
    }

    public Double workingAgain() {
        return workingAgain;
    }

    public Double undisturbed() {
        return undisturbed;
    }

    public Double readyToWorking() {
        return readyToWorking;
    }

    public String note() {
        return note;
    }

    public String title() {
        return title;
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    public List<Check> checks() {
        return List.copyOf(checks);
    }

    public boolean passed() {
        return error == null && !checks.isEmpty() && checks.stream().allMatch(Check::ok);
    }

    /** The summary's line for this scenario, under {@link #SUMMARY_HEADER}. */
    public String summaryLine() {
        String failed = checks.stream().filter(c -> !c.ok()).map(Check::what).reduce((a, b) -> a + "; " + b)
                .orElse(error == null ? "" : "error");
        String verdict = passed() ? "passed" : "FAILED" + (failed.isEmpty() ? "" : " (" + failed + ")");
        return String.format(Locale.ROOT, "  %-28s %10s %11s %10s %12s   %s%s", scenario, format(converged),
                format(undisturbed), format(workingAgain), format(readyToWorking), verdict,
                note.isEmpty() ? "" : "; " + note);
    }

    public static final String SUMMARY_HEADER = String.format(Locale.ROOT, "  %-28s %10s %11s %10s %12s   %s",
            "scenario", "converged", "undisturbed", "working", "ready->work", "result");

    static String format(Double seconds) {
        return seconds == null ? "-" : String.format(Locale.ROOT, "%.2f s", seconds);
    }

    /** The scenario's table: measurements, then every check with ok or FAILED. */
    public String table() {
        int width = 44;
        for (Row r : rows) {
            width = Math.max(width, r.label().length() + 2);
        }
        StringBuilder out = new StringBuilder();
        String head = scenario + ": " + title;
        out.append(String.format(Locale.ROOT, "%-" + Math.max(width + 24, head.length() + 3) + "s%s%n", head,
                passed() ? "PASSED" : "FAILED"));
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT, "  %-" + width + "s %s%n", r.label(), r.value()));
        }
        for (Check c : checks) {
            out.append(String.format(Locale.ROOT, "  %-" + width + "s %s%n", (c.ok() ? "ok     " : "FAILED ") + c.what(),
                    c.detail() == null ? "" : c.detail()));
        }
        if (error != null) {
            out.append("  error: ").append(error.replace("\n", "\n         ")).append('\n');
        }
        return out.toString();
    }
}
