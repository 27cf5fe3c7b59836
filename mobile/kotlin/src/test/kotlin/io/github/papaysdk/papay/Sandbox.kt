package io.github.papaysdk.papay

import com.sun.net.httpserver.HttpServer
import org.json.JSONArray
import org.json.JSONObject
import java.net.InetSocketAddress
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.TimeUnit

/** Base of the notification URLs in requests; the sandbox redirects them to [Sandbox.receiver]. */
const val NOTIFY_BASE = "https://merchant.example/papay"

/** A notification as the sandbox delivered it: the exact body bytes and the last attempt's headers. */
class Delivery(val eventType: String, val headers: Map<String, String>, val body: ByteArray)

/** Response of the sandbox's control API. */
class ControlResponse(val status: Int, val body: String)

/**
 * One `papay sandbox` server process on 127.0.0.1, started from the binary that
 * `cargo build -p papay-cli` produced (system property `papay.cli`), and a local HTTP listener
 * that acknowledges the notifications the sandbox delivers.
 *
 * The sandbox plays WeChat Pay; its unsigned control API (`/sandbox/...`) plays the user.
 */
class Sandbox private constructor(
    private val process: Process,
    private val receiver: HttpServer,
    private val directory: Path,
    val credentials: JSONObject,
) : AutoCloseable {
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    val baseUrl: String get() = credentials.getString("base_url")
    val mchid: String get() = credentials.getString("mchid")
    val appid: String get() = credentials.getString("appid")
    val planId: Long get() = credentials.getLong("plan_id")
    val openid: String get() = credentials.getString("openid")
    val privateKeyPem: String get() = credentials.getString("merchant_private_key_pem")
    val apiv3Key: String get() = credentials.getString("apiv3_key")
    val platformCertificatePem: String get() = credentials.getString("platform_certificate_pem")
    val platformSerialNo: String get() = credentials.getString("platform_serial_no")

    /** Returns a client configuration for this sandbox, in Common mode. */
    fun config(): ClientConfig = ClientConfig(
        mchid = mchid,
        serialNo = credentials.getString("merchant_serial_no"),
        mode = Mode.Common(appid = appid),
        baseUrl = baseUrl,
        timeout = Duration.ofSeconds(10),
    )

    fun keys(): MerchantKeys = MerchantKeys(privateKeyPem, apiv3Key)

    fun client(): Client = Client(config(), keys())

    /** Sends one control request and returns the status and body. */
    fun control(method: String, path: String, json: String? = null): ControlResponse {
        val body = if (json == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(json)
        val request = HttpRequest.newBuilder(URI.create(baseUrl + path))
            .method(method, body)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(20))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return ControlResponse(response.statusCode(), response.body())
    }

    /** Sends a control request that must succeed (2xx) and returns its body. */
    fun controlOk(method: String, path: String, json: String? = null): String {
        val response = control(method, path, json)
        check(response.status in 200..299) { "control request $method $path $json returned HTTP ${response.status}: ${response.body}" }
        return response.body
    }

    /** Plays the user who confirms the signing session; returns the new contract's id. */
    fun confirmSigning(sessionId: String): String {
        val body = controlOk("POST", "/sandbox/signing/confirm", JSONObject().put("session_id", sessionId).toString())
        return JSONObject(body).getString("contract_id")
    }

    /**
     * Waits until the sandbox has delivered, and the local listener acknowledged, a
     * notification of [eventType] whose decrypted resource contains [marker]; returns the
     * delivered headers and body bytes from the delivery record (GET /sandbox/notifications).
     */
    fun notificationContaining(eventType: String, marker: String): Delivery {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15)
        while (System.nanoTime() < deadline) {
            val records = JSONArray(controlOk("GET", "/sandbox/notifications"))
            for (i in 0 until records.length()) {
                val record = records.getJSONObject(i)
                val matches = record.getString("event_type") == eventType &&
                    record.getBoolean("acknowledged") &&
                    record.getString("resource_plaintext").contains(marker)
                if (matches) {
                    return delivery(record)
                }
            }
            Thread.sleep(100)
        }
        error("no acknowledged $eventType notification containing $marker within 15 s; GET /sandbox/notifications: ${control("GET", "/sandbox/notifications").body}")
    }

    private fun delivery(record: JSONObject): Delivery {
        val headers = LinkedHashMap<String, String>()
        val pairs: JSONArray = record.getJSONArray("headers")
        for (i in 0 until pairs.length()) {
            val pair = pairs.getJSONArray(i)
            headers[pair.getString(0)] = pair.getString(1)
        }
        return Delivery(record.getString("event_type"), headers, record.getString("body").toByteArray(Charsets.UTF_8))
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly()
        }
        receiver.stop(0)
        directory.toFile().deleteRecursively()
    }

    companion object {
        /**
         * Starts a sandbox with a fresh notification listener. Notifications are retried every
         * 200 ms (instead of WeChat Pay's 15 s to 1 h schedule) and terminations are reported
         * to `$NOTIFY_BASE/terminate-notify`.
         */
        fun start(): Sandbox {
            val cli = System.getProperty("papay.cli")
                ?: error("system property papay.cli is not set; run the tests through Maven (mobile/kotlin/pom.xml)")
            check(Files.isExecutable(Path.of(cli))) { "$cli is missing; build it with: cargo build -p papay-cli" }

            val receiver = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
            receiver.createContext("/") { exchange ->
                exchange.requestBody.readAllBytes()
                exchange.sendResponseHeaders(204, -1)
                exchange.close()
            }
            receiver.start()

            val directory = Files.createTempDirectory("papay-sandbox")
            val credentialsFile = directory.resolve("credentials.json")
            val command = listOf(
                cli, "sandbox",
                "--listen", "127.0.0.1:0",
                "--credentials", credentialsFile.toString(),
                "--notify-redirect", "http://127.0.0.1:${receiver.address.port}",
                "--termination-notify-url", "$NOTIFY_BASE/terminate-notify",
                "--fast-retries-ms", "200",
            )
            val process = ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("sandbox.log").toFile())
                .start()

            // The sandbox writes the credentials file once it listens; wait for a complete file.
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
            while (true) {
                if (!process.isAlive) {
                    receiver.stop(0)
                    val log = directory.resolve("sandbox.log").toFile().readText()
                    error("${command.joinToString(" ")} exited with ${process.exitValue()}: $log")
                }
                val text = if (Files.exists(credentialsFile)) Files.readString(credentialsFile) else ""
                if (text.trimEnd().endsWith("}")) {
                    return Sandbox(process, receiver, directory, JSONObject(text))
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly()
                    receiver.stop(0)
                    error("${command.joinToString(" ")} wrote no credentials within 30 s")
                }
                Thread.sleep(50)
            }
        }
    }
}
