package io.github.papaysdk.papay

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** No text form of the configuration, the keys, the client or an error shows a secret. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedactionTest {
    private lateinit var sandbox: Sandbox

    @BeforeAll
    fun start() {
        sandbox = Sandbox.start()
    }

    @AfterAll
    fun stop() {
        sandbox.close()
    }

    /** A line from the middle of the private key's Base64, present in no public text. */
    private val privateKeyLine: String
        get() = sandbox.privateKeyPem.lines().filter { it.isNotBlank() && !it.startsWith("-----") }[3]

    private fun assertNoSecret(text: String, source: String) {
        assertFalse(text.contains(sandbox.apiv3Key), "$source shows the APIv3 key: $text")
        assertFalse(text.contains(privateKeyLine), "$source shows the private key: $text")
        assertFalse(text.contains("PRIVATE KEY"), "$source shows a PEM private key: $text")
    }

    @Test
    fun configToStringHasNoKey() {
        assertNoSecret(sandbox.config().toString(), "ClientConfig.toString()")
    }

    @Test
    fun merchantKeysToStringIsRedacted() {
        val text = sandbox.keys().use { it.toString() }
        assertNoSecret(text, "MerchantKeys.toString()")
        assertTrue(text.contains("<redacted>"), "MerchantKeys.toString() does not say <redacted>: $text")
    }

    @Test
    fun clientToStringHasNoKey() {
        val text = sandbox.client().use { it.toString() }
        assertNoSecret(text, "Client.toString()")
        assertTrue(text.contains(sandbox.mchid), "Client.toString() lacks the mchid: $text")
    }

    @Test
    fun keyErrorHasNoKey() {
        val damagedPem = sandbox.privateKeyPem.replace(privateKeyLine, privateKeyLine.reversed())
        val error = expectPayException<PayException.InvalidConfig>("MerchantKeys with a damaged private key") {
            MerchantKeys(damagedPem, sandbox.apiv3Key)
        }
        assertNoSecret(error.toString(), "InvalidConfig.toString() for a damaged private key")
    }
}
