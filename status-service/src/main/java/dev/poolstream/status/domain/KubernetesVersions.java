package dev.poolstream.status.domain;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Kubernetes versions in their own order, as {@code k8s.io/apimachinery/pkg/util/version} compares them: an optional
 * {@code v}, numeric components compared as numbers ({@code v1.33.9} before {@code v1.33.10}), then the pre-release
 * by semantic-versioning rules (a pre-release before its release; dot-separated identifiers, numeric ones as
 * numbers and before alphanumeric ones). Build metadata ({@code +...}) does not order. Strings that are no version
 * come after every version; ties (equal versions written differently) fall back to the string, so the order is
 * total and stable.
 */
public final class KubernetesVersions {

    /** The order of kubelet versions in {@code status.versions}. */
    public static final Comparator<String> ORDER = KubernetesVersions::compare;

    private record Parsed(List<BigInteger> components, List<String> preRelease) {
    }

    static int compare(String a, String b) {
        if (a.equals(b)) {
            return 0; // the usual case (a pool's Nodes run one version), and no parse for it
        }
        Optional<Parsed> pa = parse(a);
        Optional<Parsed> pb = parse(b);
        int byVersion;
        if (pa.isPresent() && pb.isPresent()) {
            byVersion = compare(pa.get(), pb.get());
        } else {
            // Versions first, then what cannot be read as one.
            byVersion = Boolean.compare(pa.isEmpty(), pb.isEmpty());
        }
        return byVersion != 0 ? byVersion : a.compareTo(b);
    }

    private static int compare(Parsed a, Parsed b) {
        int n = Math.max(a.components().size(), b.components().size());
        for (int i = 0; i < n; i++) {
            BigInteger x = i < a.components().size() ? a.components().get(i) : BigInteger.ZERO;
            BigInteger y = i < b.components().size() ? b.components().get(i) : BigInteger.ZERO;
            int c = x.compareTo(y);
            if (c != 0) {
                return c;
            }
        }
        if (a.preRelease().isEmpty() || b.preRelease().isEmpty()) {
            // A release comes after its pre-releases.
            return Boolean.compare(a.preRelease().isEmpty(), b.preRelease().isEmpty());
        }
        int m = Math.min(a.preRelease().size(), b.preRelease().size());
        for (int i = 0; i < m; i++) {
            int c = compareIdentifier(a.preRelease().get(i), b.preRelease().get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.preRelease().size(), b.preRelease().size());
    }

    private static int compareIdentifier(String a, String b) {
        boolean numericA = numeric(a);
        boolean numericB = numeric(b);
        if (numericA && numericB) {
            return new BigInteger(a).compareTo(new BigInteger(b));
        }
        if (numericA != numericB) {
            return numericA ? -1 : 1;
        }
        return a.compareTo(b);
    }

    /** {@code v1.33.10}, {@code 1.34.0-rc.1+abc}, {@code v1.30}: at least major and minor, each a number. */
    private static Optional<Parsed> parse(String version) {
        if (version == null) {
            return Optional.empty();
        }
        String rest = version.trim();
        if (rest.startsWith("v") || rest.startsWith("V")) {
            rest = rest.substring(1);
        }
        int plus = rest.indexOf('+');
        if (plus >= 0) {
            rest = rest.substring(0, plus);
        }
        List<String> preRelease = List.of();
        int dash = rest.indexOf('-');
        if (dash >= 0) {
            String pre = rest.substring(dash + 1);
            rest = rest.substring(0, dash);
            if (pre.isEmpty()) {
                return Optional.empty();
            }
            preRelease = List.of(pre.split("\\.", -1));
            if (preRelease.stream().anyMatch(String::isEmpty)) {
                return Optional.empty();
            }
        }
        String[] parts = rest.split("\\.", -1);
        if (parts.length < 2) {
            return Optional.empty();
        }
        List<BigInteger> components = new ArrayList<>();
        for (String part : parts) {
            if (!numeric(part)) {
                return Optional.empty();
            }
            components.add(new BigInteger(part));
        }
        return Optional.of(new Parsed(components, preRelease));
    }

    private static boolean numeric(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private KubernetesVersions() {
    }
}
