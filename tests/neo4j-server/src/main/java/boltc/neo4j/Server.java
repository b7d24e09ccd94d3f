package boltc.neo4j;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.configuration.ssl.ClientAuth;
import org.neo4j.configuration.ssl.SslPolicyConfig;
import org.neo4j.configuration.ssl.SslPolicyScope;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

/**
 * Neo4j Community embedded with its Bolt connector, for boltc's tests.
 *
 * <p>Options (each also read from an environment variable):
 *
 * <pre>
 *   --port N            BOLTC_NEO4J_PORT      Bolt port on 127.0.0.1 (default: a free port)
 *   --password P        BOLTC_NEO4J_PASSWORD  password of the user neo4j (default: boltc-test-password)
 *   --tls-cert FILE     BOLTC_NEO4J_TLS_CERT  PEM certificate chain: enables TLS (optional for clients)
 *   --tls-key FILE      BOLTC_NEO4J_TLS_KEY   PEM (PKCS#8) private key of that certificate
 *   --tls-ca FILE       BOLTC_NEO4J_TLS_CA    PEM CA trusted for client certificates
 *   --client-auth MODE  BOLTC_NEO4J_CLIENT_AUTH  none | optional | require (default none)
 *   --data DIR          BOLTC_NEO4J_DATA      home directory (default: a fresh temporary one,
 *                                             deleted on stop)
 *   --routing-ttl S     BOLTC_NEO4J_ROUTING_TTL  seconds a routing table lives (default: the
 *                                             server's, 300)
 * </pre>
 *
 * <p>Prints exactly one line starting with {@code NEO4J READY} to stdout once Bolt accepts
 * connections: {@code NEO4J READY bolt://127.0.0.1:PORT version=V edition=community}. Stops
 * cleanly on SIGTERM / SIGINT (a shutdown hook shuts the database down and removes the
 * temporary home directory).
 */
public final class Server {
    private Server() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> opts = parse(argv);
        int port = Integer.parseInt(opt(opts, "port", "BOLTC_NEO4J_PORT", "0"));
        if (port == 0) {
            port = freePort();
        }
        String password = opt(opts, "password", "BOLTC_NEO4J_PASSWORD", "boltc-test-password");
        String cert = opt(opts, "tls-cert", "BOLTC_NEO4J_TLS_CERT", null);
        String key = opt(opts, "tls-key", "BOLTC_NEO4J_TLS_KEY", null);
        String ca = opt(opts, "tls-ca", "BOLTC_NEO4J_TLS_CA", null);
        String clientAuth = opt(opts, "client-auth", "BOLTC_NEO4J_CLIENT_AUTH", "none");
        String data = opt(opts, "data", "BOLTC_NEO4J_DATA", null);
        String routingTtl = opt(opts, "routing-ttl", "BOLTC_NEO4J_ROUTING_TTL", null);
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }

        boolean temporary = data == null;
        Path home = temporary ? Files.createTempDirectory("boltc-neo4j-") : Path.of(data);
        Files.createDirectories(home);

        SocketAddress address = new SocketAddress("127.0.0.1", port);
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // Tests try wrong passwords on purpose: no lockout after failed attempts (it
                // would lock the shared user out of every other test for a few seconds).
                .setConfig(GraphDatabaseSettings.auth_max_failed_attempts, 0)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(128))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, address)
                .setConfig(BoltConnector.advertised_address, address);
        if (routingTtl != null) {
            builder.setConfig(GraphDatabaseSettings.routing_ttl,
                    java.time.Duration.ofSeconds(Long.parseLong(routingTtl)));
        }
        if (cert != null) {
            Path base = home.resolve("certificates").resolve("bolt");
            Files.createDirectories(base.resolve("trusted"));
            Files.createDirectories(base.resolve("revoked"));
            Files.copy(Path.of(cert), base.resolve("public.crt"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(Path.of(key), base.resolve("private.key"), StandardCopyOption.REPLACE_EXISTING);
            if (ca != null) {
                Files.copy(Path.of(ca), base.resolve("trusted").resolve("ca.crt"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            SslPolicyConfig policy = SslPolicyConfig.forScope(SslPolicyScope.BOLT);
            builder.setConfig(policy.enabled, true)
                    .setConfig(policy.base_directory, base)
                    .setConfig(policy.private_key, base.resolve("private.key"))
                    .setConfig(policy.public_certificate, base.resolve("public.crt"))
                    .setConfig(policy.client_auth, ClientAuth.valueOf(clientAuth.toUpperCase()))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.OPTIONAL);
        }

        DatabaseManagementService dbms;
        try {
            dbms = builder.build();
        } catch (RuntimeException e) {
            // Not started (e.g. the port was taken): no shutdown hook yet, so clean up here.
            e.printStackTrace();
            if (temporary) {
                deleteTree(home);
            }
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
                if (temporary) {
                    deleteTree(home);
                }
            } finally {
                stopped.countDown();
            }
        }, "boltc-neo4j-shutdown"));

        // The initial user `neo4j` must change its password before it may run queries; set the
        // known password (no change required) through the system database, which the embedded
        // API reaches without authentication.
        GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        system.executeTransactionally("ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));

        GraphDatabaseService neo4j = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        String version = neo4j.executeTransactionally(
                "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS v, edition AS e",
                Map.of(), r -> {
                    Map<String, Object> row = r.next();
                    return row.get("v") + " edition=" + row.get("e");
                });
        System.out.println("NEO4J READY bolt://127.0.0.1:" + port + " version=" + version
                + " tls=" + (cert != null));
        System.out.flush();
        stopped.await();
    }

    private static Map<String, String> parse(String[] argv) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --option value, got " + argv[i]);
            }
            opts.put(argv[i].substring(2), argv[++i]);
        }
        return opts;
    }

    private static String opt(Map<String, String> opts, String name, String env, String fallback) {
        String v = opts.get(name);
        if (v == null) {
            v = System.getenv(env);
        }
        return v == null || v.isEmpty() ? fallback : v;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + root + ": " + e);
        }
    }
}
