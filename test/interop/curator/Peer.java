/*
 * A Curator 5.4 peer for zookit's interop tests. It takes part in the same recipe as a zookit
 * process on the same path and logs what it sees, so the test can check that Java and Node
 * agree on one lock holder and one leader.
 *
 *   java -cp <curator and zookeeper jars> Peer.java <connectString> <mode> <path> <logFile> <id> [iterations]
 *
 * Modes:
 *   mutex  - `iterations` times: acquire Curator's InterProcessMutex on <path>, log
 *            "enter <id> <nanoTime-free epoch micros>", hold a few ms, log "exit ...", release.
 *   latch  - join Curator's LeaderLatch on <path>; log "leader <id> <epochMs>" and
 *            "follower <id> <epochMs>" on each change; while leading, log "tick <id> <epochMs>"
 *            every 50 ms. Runs until SIGTERM (a shutdown hook closes the latch first) or 120 s.
 * Exit code 0 on success, 2 on a timeout acquiring, 1 on bad usage.
 */
import java.io.FileWriter;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class Peer {
    private static String logFile;

    /** Appends one line; the file is shared with Node processes, so each line is one write. */
    private static synchronized void log(String line) {
        try (FileWriter writer = new FileWriter(logFile, true)) {
            writer.write(line + "\n");
        } catch (IOException error) {
            throw new RuntimeException(error);
        }
    }

    private static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000L;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: Peer <connectString> <mutex|latch> <path> <logFile> <id> [iterations]");
            System.exit(1);
        }
        String connectString = args[0];
        String mode = args[1];
        String path = args[2];
        logFile = args[3];
        String id = args[4];
        int iterations = args.length > 5 ? Integer.parseInt(args[5]) : 10;
        CuratorFramework client = CuratorFrameworkFactory.newClient(
            connectString, 4_000, 10_000, new ExponentialBackoffRetry(100, 5));
        client.start();
        if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
            System.err.println("no connection");
            System.exit(2);
        }
        try {
            if (mode.equals("mutex")) runMutex(client, path, id, iterations);
            else if (mode.equals("latch")) runLatch(client, path, id);
            else {
                System.err.println("unknown mode " + mode);
                System.exit(1);
            }
        } finally {
            client.close();
        }
    }

    private static void runMutex(CuratorFramework client, String path, String id, int iterations) throws Exception {
        InterProcessMutex mutex = new InterProcessMutex(client, path);
        for (int iteration = 0; iteration < iterations; iteration++) {
            if (!mutex.acquire(60, TimeUnit.SECONDS)) {
                System.err.println("no lock within 60 s");
                System.exit(2);
            }
            try {
                log("enter " + id + " " + epochMicros());
                Thread.sleep(5);
                log("exit " + id + " " + epochMicros());
            } finally {
                mutex.release();
            }
        }
        System.out.println("done " + id);
    }

    private static void runLatch(CuratorFramework client, String path, String id) throws Exception {
        LeaderLatch latch = new LeaderLatch(client, path, id);
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                log("leader " + id + " " + System.currentTimeMillis());
            }

            @Override
            public void notLeader() {
                log("follower " + id + " " + System.currentTimeMillis());
            }
        });
        latch.start();
        Object guard = new Object();
        boolean[] stopping = {false};
        // On SIGTERM: stop ticking, then leave the election, so no tick follows our last term.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (guard) {
                stopping[0] = true;
            }
            try {
                latch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            client.close();
        }));
        long stopAt = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < stopAt) {
            synchronized (guard) {
                if (stopping[0]) return;
                if (latch.hasLeadership()) log("tick " + id + " " + System.currentTimeMillis());
            }
            Thread.sleep(50);
        }
        latch.close();
        System.out.println("closed " + id);
    }
}
