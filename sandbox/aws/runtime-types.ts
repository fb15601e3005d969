/**
 * GuardDuty Runtime Monitoring finding types (guardduty.md §1) with the default severity the
 * emulator gives them and the kind of evidence each carries.
 */
export type EvidenceKind =
  | 'dns'
  | 'network'
  | 'process'
  | 'library'
  | 'socket'
  | 'runc'
  | 'cgroups'
  | 'mount'
  | 'tool'
  | 'command'
  | 'injection'
  | 'module'
  | 'file'
  | 'malware';

export interface RuntimeTypeInfo {
  type: string;
  severity: number;
  kind: EvidenceKind;
  title: string;
}

const HIGH = 8;
const MEDIUM = 5;
const LOW = 2;

const t = (type: string, severity: number, kind: EvidenceKind, title: string): RuntimeTypeInfo => ({
  type,
  severity,
  kind,
  title,
});

export const RUNTIME_FINDING_TYPES: readonly RuntimeTypeInfo[] = [
  t(
    'CryptoCurrency:Runtime/BitcoinTool.B',
    HIGH,
    'network',
    'A container is communicating with a Bitcoin-related IP address.',
  ),
  t(
    'CryptoCurrency:Runtime/BitcoinTool.B!DNS',
    HIGH,
    'dns',
    'A container is querying a domain associated with cryptocurrency activity.',
  ),
  t(
    'Backdoor:Runtime/C&CActivity.B',
    HIGH,
    'network',
    'A container is communicating with a known command and control server.',
  ),
  t(
    'Backdoor:Runtime/C&CActivity.B!DNS',
    HIGH,
    'dns',
    'A container is querying a domain associated with a command and control server.',
  ),
  t('UnauthorizedAccess:Runtime/TorRelay', HIGH, 'network', 'A container is acting as a Tor relay.'),
  t(
    'UnauthorizedAccess:Runtime/TorClient',
    HIGH,
    'network',
    'A container is connecting to a Tor Guard or Authority node.',
  ),
  t(
    'UnauthorizedAccess:Runtime/MetadataDNSRebind',
    HIGH,
    'dns',
    'A container is performing DNS lookups that resolve to the instance metadata service.',
  ),
  t(
    'Trojan:Runtime/BlackholeTraffic',
    MEDIUM,
    'network',
    'A container is communicating with a black hole IP address.',
  ),
  t(
    'Trojan:Runtime/BlackholeTraffic!DNS',
    MEDIUM,
    'dns',
    'A container is querying a domain that is redirected to a black hole.',
  ),
  t(
    'Trojan:Runtime/DropPoint',
    MEDIUM,
    'network',
    'A container is communicating with a drop point for stolen credentials.',
  ),
  t(
    'Trojan:Runtime/DropPoint!DNS',
    MEDIUM,
    'dns',
    'A container is querying a domain known to hold stolen credentials.',
  ),
  t(
    'Trojan:Runtime/DGADomainRequest.C!DNS',
    HIGH,
    'dns',
    'A container is querying algorithmically generated domains.',
  ),
  t(
    'Trojan:Runtime/DriveBySourceTraffic!DNS',
    HIGH,
    'dns',
    'A container is querying a domain associated with drive-by downloads.',
  ),
  t(
    'Trojan:Runtime/PhishingDomainRequest!DNS',
    HIGH,
    'dns',
    'A container is querying a domain involved in phishing attacks.',
  ),
  t(
    'Impact:Runtime/AbusedDomainRequest.Reputation',
    MEDIUM,
    'dns',
    'A container is querying a low reputation domain name associated with abused domains.',
  ),
  t(
    'Impact:Runtime/BitcoinDomainRequest.Reputation',
    HIGH,
    'dns',
    'A container is querying a low reputation domain name associated with cryptocurrency activity.',
  ),
  t(
    'Impact:Runtime/MaliciousDomainRequest.Reputation',
    HIGH,
    'dns',
    'A container is querying a low reputation domain name associated with known malicious domains.',
  ),
  t(
    'Impact:Runtime/SuspiciousDomainRequest.Reputation',
    LOW,
    'dns',
    'A container is querying a low reputation domain name.',
  ),
  t(
    'Impact:Runtime/CryptoMinerExecuted',
    HIGH,
    'process',
    'A container is executing a binary file associated with cryptocurrency mining.',
  ),
  t(
    'Execution:Runtime/NewBinaryExecuted',
    MEDIUM,
    'process',
    'A container has executed a newly created or modified binary file.',
  ),
  t(
    'Execution:Runtime/NewLibraryLoaded',
    MEDIUM,
    'library',
    'A newly created or modified library was loaded by a process inside a container.',
  ),
  t(
    'Execution:Runtime/ReverseShell',
    HIGH,
    'network',
    'A process in a container has created a reverse shell.',
  ),
  t('Execution:Runtime/SuspiciousTool', MEDIUM, 'tool', 'A container has executed a suspicious tool.'),
  t(
    'Execution:Runtime/SuspiciousCommand',
    MEDIUM,
    'command',
    'A suspicious command has been executed in a container.',
  ),
  t(
    'Execution:Runtime/SuspiciousShellCreated',
    LOW,
    'process',
    'A process in a container has created an interactive shell.',
  ),
  t(
    'Execution:Runtime/MaliciousFileExecuted',
    HIGH,
    'malware',
    'A known malicious executable file was executed in a container.',
  ),
  t(
    'PrivilegeEscalation:Runtime/DockerSocketAccessed',
    MEDIUM,
    'socket',
    'A process inside a container is communicating with the Docker socket.',
  ),
  t(
    'PrivilegeEscalation:Runtime/RuncContainerEscape',
    HIGH,
    'runc',
    'An attempt to escape a container through runc was detected.',
  ),
  t(
    'PrivilegeEscalation:Runtime/CGroupsReleaseAgentModified',
    HIGH,
    'cgroups',
    'An attempt to escape a container by modifying the CGroups release agent was detected.',
  ),
  t(
    'PrivilegeEscalation:Runtime/ContainerMountsHostDirectory',
    MEDIUM,
    'mount',
    'A process inside a container mounted a host file system.',
  ),
  t(
    'PrivilegeEscalation:Runtime/UserfaultfdUsage',
    MEDIUM,
    'process',
    'A process in a container used userfaultfd system calls.',
  ),
  t(
    'PrivilegeEscalation:Runtime/ElevationToRoot',
    MEDIUM,
    'injection',
    'A process in a container has elevated its privileges to root.',
  ),
  t(
    'PrivilegeEscalation:Runtime/SuspiciousCommand',
    MEDIUM,
    'command',
    'A suspicious command has been executed in a container to escalate privileges.',
  ),
  t(
    'PrivilegeEscalation:Runtime/SensitiveFileModified',
    MEDIUM,
    'file',
    'A sensitive file was modified in a container.',
  ),
  t(
    'DefenseEvasion:Runtime/FilelessExecution',
    MEDIUM,
    'process',
    'A process in a container is executing code from memory.',
  ),
  t(
    'DefenseEvasion:Runtime/ProcessInjection.Proc',
    HIGH,
    'injection',
    'A process injection attempt using the proc filesystem was detected in a container.',
  ),
  t(
    'DefenseEvasion:Runtime/ProcessInjection.Ptrace',
    MEDIUM,
    'injection',
    'A process injection attempt using the ptrace system call was detected in a container.',
  ),
  t(
    'DefenseEvasion:Runtime/ProcessInjection.VirtualMemoryWrite',
    HIGH,
    'injection',
    'A process injection attempt by writing into virtual memory was detected in a container.',
  ),
  t(
    'DefenseEvasion:Runtime/PtraceAntiDebugging',
    LOW,
    'process',
    'A process in a container has used an anti-debugging technique with ptrace.',
  ),
  t(
    'DefenseEvasion:Runtime/SuspiciousCommand',
    MEDIUM,
    'command',
    'A suspicious command has been executed in a container to evade defenses.',
  ),
  t('DefenseEvasion:Runtime/KernelModuleLoaded', HIGH, 'module', 'A kernel module was loaded.'),
  t(
    'DefenseEvasion:Runtime/SensitiveFileModified',
    MEDIUM,
    'file',
    'A sensitive file was modified in a container to evade defenses.',
  ),
  t(
    'Discovery:Runtime/SuspiciousCommand',
    LOW,
    'command',
    'A suspicious discovery command has been executed in a container.',
  ),
  t(
    'Persistence:Runtime/SuspiciousCommand',
    MEDIUM,
    'command',
    'A suspicious command has been executed in a container to persist.',
  ),
  t(
    'Persistence:Runtime/SensitiveFileModified',
    MEDIUM,
    'file',
    'A sensitive file was modified in a container to persist.',
  ),
];

const BY_TYPE = new Map(RUNTIME_FINDING_TYPES.map((i) => [i.type, i]));

/** Info for a type; unknown types get a medium-severity generic entry. */
export function runtimeTypeInfo(type: string): RuntimeTypeInfo {
  return (
    BY_TYPE.get(type) ?? {
      type,
      severity: MEDIUM,
      kind: 'process',
      title: `Runtime activity of type ${type} was detected.`,
    }
  );
}
