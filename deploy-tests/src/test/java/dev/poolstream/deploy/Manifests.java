package dev.poolstream.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The manifests under k8s/, read as kustomize reads them: each kustomization's resources (files, or directories with a
 * kustomization of their own), components and patches; every Kubernetes document read into its typed fabric8 class.
 * No kustomize binary: a test must not depend on one.
 */
final class Manifests {

    static final String KUSTOMIZATION = "kustomization.yaml";
    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** One YAML document of a file: its text (comments included) and the object fabric8 read from it. */
    record Doc(Path file, int index, String text, HasMetadata object) {

        String kind() {
            return object.getKind();
        }

        String name() {
            return object.getMetadata().getName();
        }

        String namespace() {
            return object.getMetadata().getNamespace();
        }

        String id() {
            return kind() + " " + (namespace() == null ? "" : namespace() + "/") + name();
        }

        @Override
        public String toString() {
            return id() + " (" + Repo.root().relativize(file) + " #" + index + ")";
        }
    }

    private Manifests() {
    }

    /** Every .yaml and .yml file under k8s/. */
    static List<Path> yamlFiles() {
        try (Stream<Path> files = Files.walk(Repo.k8s())) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isKustomization(Path file) {
        return file.getFileName().toString().equals(KUSTOMIZATION);
    }

    /** The documents of a file, each read into its fabric8 type; fails on a document that does not read. */
    static List<Doc> read(Path file) {
        String text = readString(file);
        List<Doc> docs = new ArrayList<>();
        int index = 0;
        for (String chunk : DOCUMENT_SEPARATOR.split(text)) {
            if (chunk.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            docs.add(new Doc(file, index++, chunk, parse(chunk, file)));
        }
        return docs;
    }

    static HasMetadata parse(String yaml, Path file) {
        Object parsed;
        try {
            parsed = SERIALIZATION.unmarshal(yaml, KubernetesResource.class);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + ": not a Kubernetes object: " + e.getMessage(), e);
        }
        if (!(parsed instanceof HasMetadata object) || object.getKind() == null || object.getApiVersion() == null
                || object.getMetadata() == null || object.getMetadata().getName() == null) {
            throw new IllegalStateException(file + ": a document without apiVersion, kind or metadata.name");
        }
        return object;
    }

    /** A kustomization read as plain YAML. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> kustomization(Path dir) {
        Path file = dir.resolve(KUSTOMIZATION);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(dir + " has no " + KUSTOMIZATION);
        }
        return (Map<String, Object>) new Yaml().load(readString(file));
    }

    /** The files a kustomization (or component) takes as resources, through its sub-kustomizations and components. */
    static Set<Path> resourceFiles(Path dir) {
        Set<Path> files = new LinkedHashSet<>();
        Map<String, Object> k = kustomization(dir);
        for (String entry : strings(k.get("resources"))) {
            Path target = dir.resolve(entry).normalize();
            if (Files.isDirectory(target)) {
                files.addAll(resourceFiles(target));
            } else if (Files.isRegularFile(target)) {
                files.add(target);
            } else {
                throw new IllegalStateException(dir.resolve(KUSTOMIZATION) + " names a missing resource " + entry);
            }
        }
        for (String entry : strings(k.get("components"))) {
            files.addAll(resourceFiles(dir.resolve(entry).normalize()));
        }
        return files;
    }

    /** The patch files of a kustomization and of the kustomizations and components it takes in. */
    static Set<Path> patchFiles(Path dir) {
        Set<Path> files = new LinkedHashSet<>();
        Map<String, Object> k = kustomization(dir);
        for (Object patch : list(k.get("patches"))) {
            Object path = patch instanceof Map<?, ?> m ? m.get("path") : null;
            if (path == null) {
                throw new IllegalStateException(dir + ": only file patches (patches[].path) are used here");
            }
            Path target = dir.resolve(path.toString()).normalize();
            if (!Files.isRegularFile(target)) {
                throw new IllegalStateException(dir.resolve(KUSTOMIZATION) + " names a missing patch " + path);
            }
            files.add(target);
        }
        for (String key : List.of("resources", "components")) {
            for (String entry : strings(k.get(key))) {
                Path target = dir.resolve(entry).normalize();
                if (Files.isDirectory(target)) {
                    files.addAll(patchFiles(target));
                }
            }
        }
        return files;
    }

    /** The objects a kustomization produces before patches: its resources' documents. */
    static List<Doc> resources(Path dir) {
        return resourceFiles(dir).stream().flatMap(f -> read(f).stream()).toList();
    }

    /** The objects of several kustomizations, each object once (the base is in every overlay). */
    static List<Doc> union(Path... dirs) {
        Map<String, Doc> byId = new LinkedHashMap<>();
        for (Path dir : dirs) {
            for (Doc doc : resources(dir)) {
                byId.putIfAbsent(doc.id(), doc);
            }
        }
        return List.copyOf(byId.values());
    }

    static <T extends HasMetadata> List<T> ofType(Collection<Doc> docs, Class<T> type) {
        return docs.stream().map(Doc::object).filter(type::isInstance).map(type::cast).toList();
    }

    /**
     * Fields fabric8 did not recognise for the object's kind (kept in additionalProperties): a misspelt field, which
     * Kubernetes would drop or reject. Generic resources (KafkaTopic) are all additional properties and are skipped.
     */
    static List<String> unknownFields(Object object) {
        List<String> found = new ArrayList<>();
        unknownFields(object, object.getClass().getSimpleName(), found);
        return found;
    }

    private static void unknownFields(Object object, String path, List<String> found) {
        if (object == null || object instanceof GenericKubernetesResource) {
            return;
        }
        if (object instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (object instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "[" + k + "]", found));
            return;
        }
        if (!object.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : object.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Class<?> type = getter.getReturnType();
            boolean model = type.getName().startsWith("io.fabric8.kubernetes.api.model");
            if (!model && !Collection.class.isAssignableFrom(type) && !Map.class.isAssignableFrom(type)) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(object);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    found.add(path + ": " + extra.keySet());
                }
            } else {
                unknownFields(value, path + "." + Character.toLowerCase(getter.getName().charAt(3))
                        + getter.getName().substring(4), found);
            }
        }
    }

    static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Object> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        throw new IllegalStateException("a list expected, found " + value);
    }

    private static List<String> strings(Object value) {
        return list(value).stream().map(Object::toString).toList();
    }
}
