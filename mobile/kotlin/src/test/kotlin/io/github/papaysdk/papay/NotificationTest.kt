package io.github.papaysdk.papay

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * Offline notification parsing with a given key set ([NotificationParser]), its failure codes,
 * and the certificate download. The input is a real PAPAY.SIGN delivery of the sandbox.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotificationTest {
    private lateinit var sandbox: Sandbox
    private lateinit var client: Client
    private lateinit var contractId: String
    private lateinit var delivery: Delivery

    @BeforeAll
    fun start(): Unit = runBlocking {
        sandbox = Sandbox.start()
        client = sandbox.client()
        contractId = signContract(sandbox, client).second
        delivery = sandbox.notificationContaining("PAPAY.SIGN", contractId)
    }

    @AfterAll
    fun stop() {
        client.close()
        sandbox.close()
    }

    private fun parser(apiv3Key: String = sandbox.apiv3Key) =
        NotificationParser(apiv3Key, listOf(sandbox.platformCertificatePem), emptyList(), null)

    @Test
    fun parserVerifiesAndDecrypts() {
        val notification = parser().parse(delivery.headers, delivery.body)
        val event = assertIs<NotificationEvent.ContractSigned>(notification.event, "NotificationParser.parse of PAPAY.SIGN")
        assertEquals(contractId, event.contract.contractId, "contract_id from NotificationParser.parse")
    }

    @Test
    fun parserReportsSigningSerial() {
        val notification = parser().parse(delivery.headers, delivery.body)
        assertEquals(sandbox.platformSerialNo, notification.signedBy, "NotificationParser.parse(...).signedBy")
    }

    @Test
    fun parserIgnoresHeaderCase() {
        val lowerCase = delivery.headers.mapKeys { it.key.lowercase() }
        val notification = parser().parse(lowerCase, delivery.body)
        assertEquals("PAPAY.SIGN", notification.eventType, "NotificationParser.parse with lower-case header names")
    }

    @Test
    fun parserRejectsChangedBody() {
        val changed = String(delivery.body, Charsets.UTF_8).replaceFirst("PAPAY.SIGN", "PAPAY.SIGX").toByteArray(Charsets.UTF_8)
        val error = expectPayException<PayException.SignatureInvalid>("NotificationParser.parse of a changed body") {
            parser().parse(delivery.headers, changed)
        }
        assertEquals("SIGNATURE_INVALID", error.code, "code of a changed body")
    }

    @Test
    fun parserRequiresSignatureHeader() {
        val headers = delivery.headers.filterKeys { !it.equals("Wechatpay-Signature", ignoreCase = true) }
        val error = expectPayException<PayException.SignatureHeadersMissing>("NotificationParser.parse without Wechatpay-Signature") {
            parser().parse(headers, delivery.body)
        }
        assertEquals("SIGNATURE_HEADERS_MISSING", error.code(), "code() without Wechatpay-Signature")
    }

    @Test
    fun parserWithWrongApiv3KeyFailsDecryption() {
        val error = expectPayException<PayException.DecryptionFailed>("NotificationParser.parse with another APIv3 key") {
            parser(apiv3Key = "0".repeat(32)).parse(delivery.headers, delivery.body)
        }
        assertEquals("DECRYPTION_FAILED", error.code, "code with another APIv3 key")
    }

    @Test
    fun parserWithoutKeysIsInvalidConfig() {
        val error = expectPayException<PayException.InvalidConfig>("NotificationParser with no certificate and no public key") {
            NotificationParser(sandbox.apiv3Key, emptyList(), emptyList(), null)
        }
        assertEquals("platform_certificates_pem", error.field, "field of a parser without keys")
    }

    @Test
    fun downloadCertificatesReturnsSandboxSerial(): Unit = runBlocking {
        val certificates = client.downloadCertificates()
        assertTrue(
            certificates.any { it.serialNo == sandbox.platformSerialNo },
            "downloadCertificates() returned ${certificates.map { it.serialNo }}, expected ${sandbox.platformSerialNo}",
        )
    }
}
