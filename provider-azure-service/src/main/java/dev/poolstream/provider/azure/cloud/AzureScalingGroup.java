package dev.poolstream.provider.azure.cloud;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.polling.PollResult;
import com.azure.core.util.Context;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInner;
import com.azure.resourcemanager.compute.models.ImageReference;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import com.azure.resourcemanager.compute.models.OrchestrationMode;
import com.azure.resourcemanager.compute.models.Sku;
import com.azure.resourcemanager.compute.models.UpgradeMode;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdate;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceRequiredIDs;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.azure.domain.AzureCommandRules;
import dev.poolstream.provider.azure.domain.Bookkeeping;
import dev.poolstream.provider.azure.domain.CapacityChange;
import dev.poolstream.provider.azure.domain.CapzTags;
import dev.poolstream.provider.domain.InvalidTemplateException;
import dev.poolstream.provider.azure.domain.ModelSettings;
import dev.poolstream.provider.azure.domain.ProviderIds;
import dev.poolstream.provider.azure.domain.ScaleSetModel;
import dev.poolstream.provider.azure.domain.ScaleSetModels;
import dev.poolstream.provider.azure.domain.VmssLifecycle;
import dev.poolstream.provider.cloud.BootstrapData;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.cloud.ScalingGroup;
import dev.poolstream.provider.cloud.ThrottledWarnings;
import dev.poolstream.provider.domain.CommandRules;
import dev.poolstream.provider.domain.GroupOwnership;
import dev.poolstream.provider.domain.GroupShape;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.GroupUpdate;
import dev.poolstream.provider.domain.InstanceSnapshot;
import dev.poolstream.provider.domain.Reasons;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's group as an Azure VM Scale Set named as the command's group, in one resource group. The scale set's
 * model is the "template": its version is a fingerprint of the model kept in a tag, since Azure never returns the
 * custom data. Every write is one ARM request (a PUT, a PATCH, a POST or a DELETE), followed through the SDK's
 * long-running-operation poller.
 *
 * <p>Reads: describing a group is one GET of the scale set and one list of its VMs (the scale set VM list for
 * Uniform, the VM list filtered by scale set for Flexible), whatever the number of instances.
 */
public class AzureScalingGroup implements ScalingGroup {

    private static final Logger log = LoggerFactory.getLogger(AzureScalingGroup.class);

    private final ComputeManagementClient client;
    private final ModelSettings settings;
    private final BootstrapData bootstrapData;
    private final Duration operationWait;
    /** Models prepared by {@link #ensureTemplate} for the write that follows it, by group. */
    private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();
    /** What the last describe saw, by group: a PATCH needs the current tags and SKU. */
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    /** A failed scale set's instance view is read at every describe: one unreadable is warned of now and then. */
    private final ThrottledWarnings unreadable = new ThrottledWarnings(Duration.ofMinutes(10), Clock.systemUTC());

    /** A model ready to write, with the custom data read from the Secret (kept only until it is written). */
    private record Prepared(String version, ScaleSetModel model, byte[] customData) {
    }

    /**
     * @param etag        the scale set's etag at that describe: a PATCH made from it is made only if nothing changed
     *                    since
     * @param upgradeMode the scale set's upgrade policy mode; null when it has none (Azure takes that as Manual)
     */
    private record Seen(long capacity, String skuName, Map<String, String> tags, List<String> zones, String etag,
                        UpgradeMode upgradeMode) {
    }

    /** The reason a model write is refused on a scale set that would apply it to its VMs itself, undrained. */
    static final String UPGRADE_POLICY_NOT_MANUAL = "UpgradePolicyNotManual";

    /**
     * @param operationWait how long a command waits for a long-running operation to finish; after that it returns
     *                      and the inventory poller follows the rest (a scale-up of many VMs can take minutes)
     */
    public AzureScalingGroup(ComputeManagementClient client, ModelSettings settings, BootstrapData bootstrapData,
                             Duration operationWait) {
        this.client = client;
        this.settings = settings;
        this.bootstrapData = bootstrapData;
        this.operationWait = operationWait;
    }

    @Override
    public Cloud cloud() {
        return Cloud.AZURE;
    }

    @Override
    public CommandRules rules() {
        return new AzureCommandRules(settings.subscriptionId(), settings.resourceGroup());
    }

    /** CAPZ's cluster-owned tag and {@code poolstream.dev_pool}, on the scale set (its model is part of it). */
    @Override
    public Optional<GroupOwnership.TagNames> ownership() {
        return Optional.of(CapzTags.OWNERSHIP);
    }

    @Override
    public Optional<GroupSnapshot> describe(String group) {
        String rg = settings.resourceGroup();
        VirtualMachineScaleSetInner vmss = AzureErrors.call("GET scale set " + group, () -> {
            try {
                return client.getVirtualMachineScaleSets().getByResourceGroup(rg, group);
            } catch (HttpResponseException e) {
                if (AzureErrors.isNotFound(e)) {
                    return null;
                }
                throw e;
            }
        });
        if (vmss == null) {
            seen.remove(group);
            return Optional.empty();
        }
        Map<String, String> tags = vmss.tags() == null ? Map.of() : vmss.tags();
        String version = Bookkeeping.model(tags);
        long capacity = vmss.sku() == null || vmss.sku().capacity() == null ? 0 : vmss.sku().capacity();
        String skuName = vmss.sku() == null ? null : vmss.sku().name();
        seen.put(group, new Seen(capacity, skuName, tags, vmss.zones() == null ? List.of() : vmss.zones(),
                vmss.etag(), vmss.upgradePolicy() == null ? null : vmss.upgradePolicy().mode()));
        boolean flexible = OrchestrationMode.FLEXIBLE.equals(vmss.orchestrationMode());
        List<InstanceSnapshot> instances = flexible ? flexibleInstances(vmss, version) : uniformInstances(group,
                version);
        GroupSnapshot snapshot = new GroupSnapshot(group, VmssLifecycle.deleting(vmss.provisioningState()),
                (int) capacity, Bookkeeping.minSize(tags).orElse(0), Bookkeeping.maxSize(tags).orElse(0), version,
                vmss.zones(), tags, false, instances);
        List<String> failed = VmssLifecycle.failedVms(snapshot);
        if (failed.isEmpty() && VmssLifecycle.failed(vmss.provisioningState())) {
            return Optional.of(snapshot.withLaunchFailure(VmssLifecycle.scaleSetFailure(group,
                    readWhy(group, null, () -> client.getVirtualMachineScaleSets()
                            .getInstanceView(rg, group).statuses()))));
        }
        String whyFirst = failed.isEmpty() ? null : whyFailed(group, flexible, failed.get(0));
        return Optional.of(snapshot.withLaunchFailure(VmssLifecycle.launchFailure(group, failed, whyFirst)));
    }

    /**
     * What the instance view of a VM that failed to provision says went wrong, which the listing does not carry.
     * Read only while the scale set is short with failed VMs, for the first of them. A failure to read it is logged
     * and the launch failure shown without the reason: it must not stop the scale set's description, on which every
     * command waits.
     */
    private String whyFailed(String group, boolean flexible, String instanceId) {
        String rg = settings.resourceGroup();
        return readWhy(group, instanceId, () -> flexible
                ? client.getVirtualMachines().instanceView(rg, instanceId).statuses()
                : client.getVirtualMachineScaleSetVMs().getInstanceView(rg, group, instanceId).statuses());
    }

    /**
     * What an instance view says failed ({@link VmssLifecycle#provisioningError}); null, logged, when it cannot be
     * read.
     *
     * @param failedVm the failed VM whose instance view {@code read} reads; null for the scale set's own
     */
    private String readWhy(String group, String failedVm, Supplier<List<InstanceViewStatus>> read) {
        String whose = failedVm == null ? "scale set " + group : "VM " + failedVm + " of scale set " + group;
        try {
            List<InstanceViewStatus> statuses = AzureErrors.call("GET instance view of " + whose, read);
            return VmssLifecycle.provisioningError(statuses == null ? List.of() : statuses.stream()
                    .map(s -> new VmssLifecycle.ViewStatus(s.code(), s.message())).toList());
        } catch (RuntimeException e) {
            log.atLevel(unreadable.level(group)).log("scale set {}: the instance view of {} could not be read, so why "
                    + "it failed is not shown: {}", group, failedVm == null ? "the scale set" : "its failed VM "
                    + failedVm, e.getMessage());
            return null;
        }
    }

    private List<InstanceSnapshot> uniformInstances(String group, String version) {
        List<InstanceSnapshot> instances = new ArrayList<>();
        AzureErrors.run("list VMs of scale set " + group, () -> {
            for (VirtualMachineScaleSetVMInner vm : client.getVirtualMachineScaleSetVMs()
                    .list(settings.resourceGroup(), group)) {
                if (vm.instanceId() == null) {
                    continue;
                }
                String providerId = vm.id() != null ? ProviderIds.fromResourceId(vm.id())
                        : ProviderIds.uniform(settings.subscriptionId(), settings.resourceGroup(), group,
                        vm.instanceId());
                boolean latest = Boolean.TRUE.equals(vm.latestModelApplied());
                instances.add(new InstanceSnapshot(vm.instanceId(), providerId, firstZone(vm.zones()),
                        VmssLifecycle.of(vm.provisioningState()), vm.provisioningState(), latest ? version : null,
                        vm.timeCreated() == null ? null : vm.timeCreated().toInstant()));
            }
        });
        return instances;
    }

    /**
     * Flexible scale sets have no scale set VM API and no latest-model flag: their VMs are listed by the scale set
     * they belong to, and a VM counts as on the latest model when its size and image are the scale set's (as CAPZ
     * decides it). A change of custom data alone is therefore not seen on Flexible VMs.
     */
    private List<InstanceSnapshot> flexibleInstances(VirtualMachineScaleSetInner vmss, String version) {
        ImageReference modelImage = vmss.virtualMachineProfile() == null
                || vmss.virtualMachineProfile().storageProfile() == null ? null
                : vmss.virtualMachineProfile().storageProfile().imageReference();
        String modelSize = vmss.sku() == null ? null : vmss.sku().name();
        List<InstanceSnapshot> instances = new ArrayList<>();
        String filter = "'virtualMachineScaleSet/id' eq '" + vmss.id() + "'";
        AzureErrors.run("list VMs of scale set " + vmss.name(), () -> {
            for (VirtualMachineInner vm : client.getVirtualMachines()
                    .listByResourceGroup(settings.resourceGroup(), filter, null, Context.NONE)) {
                if (vm.name() == null) {
                    continue;
                }
                String providerId = vm.id() != null ? ProviderIds.fromResourceId(vm.id())
                        : ProviderIds.flexible(settings.subscriptionId(), settings.resourceGroup(), vm.name());
                String size = vm.hardwareProfile() == null || vm.hardwareProfile().vmSize() == null ? null
                        : vm.hardwareProfile().vmSize().toString();
                ImageReference image = vm.storageProfile() == null ? null : vm.storageProfile().imageReference();
                boolean latest = Objects.equals(size, modelSize) && sameImage(image, modelImage);
                instances.add(new InstanceSnapshot(vm.name(), providerId, firstZone(vm.zones()),
                        VmssLifecycle.of(vm.provisioningState()), vm.provisioningState(), latest ? version : null,
                        vm.timeCreated() == null ? null : vm.timeCreated().toInstant()));
            }
        });
        return instances;
    }

    @Override
    public GroupShape shapeOf(String pool, String group, GroupTemplate template) {
        ScaleSetModel model = model(template, group);
        return new GroupShape(model.zones(), model.tags());
    }

    /** Azure cannot move a scale set to other zones. */
    @Override
    public boolean canMovePlacement(List<String> from, List<String> to) {
        return false;
    }

    @Override
    public TemplateVersion ensureTemplate(String pool, String group, GroupTemplate template,
                                          Optional<String> currentVersion) {
        ScaleSetModel model = model(template, group);
        byte[] customData = bootstrapData.read(pool, template.bootstrapDataSecret());
        String version = model.fingerprint(customData);
        prepared.put(group, new Prepared(version, model, customData));
        // Nothing is written here: the model is part of the scale set, written by create or update.
        return new TemplateVersion(version, false);
    }

    @Override
    public void create(String pool, String group, GroupShape shape, String templateVersion, Capacity capacity) {
        Prepared p = preparedFor(group, templateVersion);
        Map<String, String> tags = Bookkeeping.merged(shape.tags(), Map.of(), capacity.min(), capacity.max(),
                templateVersion);
        VirtualMachineScaleSetInner body = ScaleSetRequests.create(group, p.model(), p.customData(),
                capacity.desired(), tags);
        // Created only if absent (If-None-Match: *): a scale set of that name made since the describe (another
        // pool's, whose first create raced this one) is never replaced by this PUT, nor by the SDK's retry of it.
        await("PUT scale set " + group, () -> client.getVirtualMachineScaleSets()
                .beginCreateOrUpdate(settings.resourceGroup(), group, body, null, "*", Context.NONE), true);
        prepared.remove(group, p);
        log.info("created scale set {} ({}, {} x {}, zones {}, model {})", group, p.model().orchestration()
                .azureName(), capacity.desired(), p.model().vmSize(), p.model().zones(), templateVersion);
    }

    @Override
    public void update(String group, GroupUpdate update) {
        Seen current = seen.get(group);
        if (current == null) {
            describe(group);
            current = seen.get(group);
            if (current == null) {
                throw new CommandRefusedException(new Failure(Reasons.GROUP_NOT_FOUND,
                        "scale set " + group + " does not exist"));
            }
        }
        if (update.placement() != null) {
            throw new CommandRefusedException(new Failure("ZonesImmutable", "scale set " + group + " was created in zones "
                    + current.zones() + "; Azure cannot move a scale set to zones "
                    + update.placement() + ". Delete the pool's scale set and create it again to change zones"));
        }
        if (update.desired() != null) {
            Optional<Failure> refused = CapacityChange.check(group, current.capacity(), update.desired());
            if (refused.isPresent()) {
                throw new CommandRefusedException(refused.get());
            }
        }
        if (update.templateVersion() != null && current.upgradeMode() != null
                && !UpgradeMode.MANUAL.equals(current.upgradeMode())) {
            // Automatic or Rolling: Azure would upgrade (reimage, resize) the VMs to the new model itself, at once or
            // in batches, none drained. Poolstream replaces them through drains and needs Manual (it creates its own
            // so; a scale set taken over may not be).
            throw new CommandRefusedException(new Failure(UPGRADE_POLICY_NOT_MANUAL, "scale set " + group
                    + " has upgrade policy " + current.upgradeMode() + ": a new model would be applied by Azure to"
                    + " its VMs, undrained. Nothing was written. Set its upgradePolicy.mode to Manual (az vmss update"
                    + " --set upgradePolicy.mode=Manual) and Poolstream rolls the model out through drains"));
        }
        Prepared p = update.templateVersion() == null ? null : preparedFor(group, update.templateVersion());
        VirtualMachineScaleSetUpdate patch = new VirtualMachineScaleSetUpdate();
        if (update.desired() != null || p != null) {
            // Capacity is sent only when it changes, so a model update never undoes a concurrent scale.
            patch.withSku(new Sku().withName(p != null ? p.model().vmSize() : current.skuName())
                    .withTier(ScaleSetRequests.SKU_TIER)
                    .withCapacity(update.desired() == null ? null : update.desired().longValue()));
        }
        if (p != null) {
            patch.withVirtualMachineProfile(ScaleSetRequests.modelUpdate(p.model(), p.customData()));
        }
        if (!update.tags().isEmpty() || update.min() != null || update.max() != null || p != null) {
            patch.withTags(Bookkeeping.merged(current.tags(), update.tags(), update.min(), update.max(),
                    p == null ? null : p.version()));
        }
        // If-Match the etag the plan was made from: a PATCH that lands after another write of the scale set (the
        // previous owner's, its SDK retrying a 429 after a partition hand-over; anyone's since the describe) is
        // refused 412 and the command is tried again from a fresh describe, never written over what it did not see.
        String ifMatch = current.etag();
        await("PATCH scale set " + group, () -> client.getVirtualMachineScaleSets()
                .beginUpdate(settings.resourceGroup(), group, patch, ifMatch, null, Context.NONE), true);
        if (p != null) {
            prepared.remove(group, p);
        }
        log.info("updated scale set {}: {}", group, update);
    }

    @Override
    public void terminate(String group, List<String> instanceIds) {
        List<String> remaining = instanceIds;
        while (!remaining.isEmpty()) {
            try {
                await("POST delete instances of " + group, deleteInstances(group, remaining), false);
                break;
            } catch (CommandRefusedException e) {
                if (e.getCause() instanceof HttpResponseException h && AzureErrors.isNotFound(h)) {
                    break;
                }
                // ARM refuses the whole batch when one of its VMs is gone or being deleted (outside Poolstream, or
                // by an earlier attempt of this command): the VMs still there are deleted, the others are done.
                if (!(e.getCause() instanceof HttpResponseException h && "InvalidParameter".equals(AzureErrors.code(h)))) {
                    throw e;
                }
                List<String> present = stillPresent(group, remaining);
                if (present.size() == remaining.size()) {
                    throw e; // none of them is gone: the refusal is about something else
                }
                log.info("scale set {}: instances {} are gone already; deleting the others", group,
                        remaining.stream().filter(id -> !present.contains(id)).toList());
                remaining = present;
            }
        }
        log.info("scale set {}: deleted instances {}", group, instanceIds);
    }

    private Supplier<SyncPoller<? extends PollResult<?>, ?>> deleteInstances(String group,
                                                                                                List<String> ids) {
        VirtualMachineScaleSetVMInstanceRequiredIDs request = new VirtualMachineScaleSetVMInstanceRequiredIDs()
                .withInstanceIds(ids);
        return () -> client.getVirtualMachineScaleSets().beginDeleteInstances(settings.resourceGroup(), group, request);
    }

    /** The VMs still there and not being deleted: ARM refuses a batch that names one being deleted. */
    private List<String> stillPresent(String group, List<String> instanceIds) {
        List<String> present = describe(group).map(g -> g.instances().stream()
                .filter(i -> i.lifecycle() != InstanceLifecycle.TERMINATING).map(InstanceSnapshot::instanceId)
                .toList()).orElse(List.of());
        return instanceIds.stream().filter(present::contains).toList();
    }

    @Override
    public void delete(String group) {
        try {
            await("DELETE scale set " + group, () -> client.getVirtualMachineScaleSets()
                    .beginDelete(settings.resourceGroup(), group), false);
        } catch (CommandRefusedException e) {
            if (!(e.getCause() instanceof HttpResponseException h && AzureErrors.isNotFound(h))) {
                throw e;
            }
        }
        seen.remove(group);
        log.info("deleted scale set {} with its instances", group);
    }

    @Override
    public boolean deleteTemplate(String group) {
        prepared.remove(group);
        return false; // the model lives in the scale set: nothing else to delete
    }

    /**
     * Starts the operation and follows it with the SDK's poller (its poll interval, and {@code Retry-After} when
     * ARM sends one) for at most {@code operationWait}; one still running after the wait is left to the inventory
     * poller. A failed operation ({@code CloudOperationFailed}) fails the command to be tried again, or refuses it
     * when {@code changeStays}.
     *
     * @param changeStays whether ARM keeps what the request changed when its operation fails (a PUT or PATCH: an
     *                    allocation failure leaves the new capacity): tried again, the command would find the change
     *                    made, report success and hide the error. A delete tried again deletes what is left.
     */
    private void await(String what, Supplier<SyncPoller<? extends PollResult<?>, ?>> start,
                       boolean changeStays) {
        AzureErrors.run(what, () -> {
            SyncPoller<? extends PollResult<?>, ?> poller = start.get();
            PollResponse<? extends PollResult<?>> last;
            try {
                last = poller.waitForCompletion(operationWait);
            } catch (RuntimeException e) {
                if (causedBy(e, TimeoutException.class)) {
                    log.info("{}: still running after {}, the inventory poller follows it", what, operationWait);
                    return;
                }
                throw e;
            }
            if (last.getStatus() == LongRunningOperationStatus.FAILED
                    || last.getStatus() == LongRunningOperationStatus.USER_CANCELLED) {
                PollResult.Error error = last.getValue() == null ? null : last.getValue().getError();
                Failure failure = new Failure(Reasons.CLOUD_OPERATION_FAILED, what + " ended " + last.getStatus()
                        + (error == null ? "" : ": " + AzureErrors.operationError(error.getResponseBody(),
                        error.getMessage())));
                if (changeStays) {
                    // The scale set may hold the change already (an allocation failure leaves the new capacity, with
                    // the VMs it could not place Failed): the failure is reported as it is, and stays the pool's.
                    throw new CommandRefusedException(failure);
                }
                throw new RetryableCommandException(failure.reason(), failure.message(), null);
            }
        });
    }

    private Prepared preparedFor(String group, String version) {
        Prepared p = prepared.get(group);
        if (p == null || !p.version().equals(version)) {
            // The engine always ensures the template right before it writes; a miss means a concurrent command.
            throw new RetryableCommandException("ModelNotPrepared", "the model " + version + " of scale set " + group
                    + " was not prepared by this command", null);
        }
        return p;
    }

    private ScaleSetModel model(GroupTemplate template, String group) {
        try {
            return ScaleSetModels.from(template, group, settings);
        } catch (InvalidTemplateException e) {
            throw new CommandRefusedException(e.failure());
        }
    }

    private static boolean sameImage(ImageReference a, ImageReference b) {
        if (a == null || b == null) {
            return a == b;
        }
        return Objects.equals(lower(a.id()), lower(b.id()))
                && Objects.equals(a.sharedGalleryImageId(), b.sharedGalleryImageId())
                && Objects.equals(a.communityGalleryImageId(), b.communityGalleryImageId())
                && Objects.equals(a.publisher(), b.publisher()) && Objects.equals(a.offer(), b.offer())
                && Objects.equals(a.sku(), b.sku()) && Objects.equals(a.version(), b.version());
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(java.util.Locale.ROOT);
    }

    private static String firstZone(List<String> zones) {
        return zones == null || zones.isEmpty() ? null : zones.get(0);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
