package io.github.papaysdk.papay

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.io.File
import java.time.OffsetDateTime
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.fail

/**
 * The shared cross-language vectors in tests/vectors, which openssl and Node's crypto made
 * without papay code, checked through the Kotlin binding. tests/vectors/README.md describes every
 * field. Each case is one dynamic test named after the case, and every assertion message names
 * the case.
 */
class VectorsTest {
    private val vectorsDir = File(
        requireNotNull(System.getProperty("papay.vectors")) {
            "system property papay.vectors is not set; pom.xml sets it to the tests/vectors directory"
        },
    )

    private fun read(relative: String): String = File(vectorsDir, relative).readText(Charsets.UTF_8)

    private fun load(name: String): JSONObject = JSONObject(read(name))

    private fun JSONObject.cases(): List<JSONObject> {
        val cases = getJSONArray("cases")
        return (0 until cases.length()).map { cases.getJSONObject(it) }
    }

    private fun JSONArray.strings(): List<String> = (0 until length()).map { getString(it) }

    private fun JSONObject.toHeaders(): Map<String, String> = keySet().associateWith { getString(it) }

    private fun JSONObject.optionalString(key: String): String? = if (isNull(key)) null else getString(key)

    /** Runs [block] and returns the code of the [PayException] it throws, or null when it returns. */
    private fun errorCode(block: () -> Unit): String? =
        try {
            block()
            null
        } catch (e: PayException) {
            e.code()
        }

    @Test
    fun everyVectorFileIsChecked() {
        val checked = setOf("signatures.json", "response_signatures.json", "aes_gcm.json", "notifications.json", "certificates.json")
        val present = vectorsDir.listFiles { file -> file.name.endsWith(".json") }?.map { it.name }?.toSet()
        assertEquals(checked, present, "JSON files in $vectorsDir, each needs a check in VectorsTest")
    }

    @TestFactory
    fun requestSignatures(): List<DynamicTest> {
        val document = load("signatures.json")
        val keyFiles = listOf(document.getString("private_key_file"), document.getString("private_key_file_pkcs1"))
        return keyFiles.flatMap { keyFile ->
            document.cases().map { case ->
                val name = "${case.getString("name")} with $keyFile"
                DynamicTest.dynamicTest(name) {
                    val authorization = RequestSigner(document.getString("mchid"), document.getString("merchant_serial"), read(keyFile)).use {
                        it.authorizationWithNonce(
                            case.getString("method"),
                            case.getString("target"),
                            case.getString("timestamp").toLong(),
                            case.getString("nonce"),
                            case.getString("body").toByteArray(Charsets.UTF_8),
                        )
                    }
                    assertEquals(case.getString("authorization"), authorization, "$name: Authorization header")
                }
            }
        }
    }

    @TestFactory
    fun responseSignatures(): List<DynamicTest> {
        val document = load("response_signatures.json")
        val certificates = document.getJSONArray("certificate_files").strings().map(::read)
        return document.cases().map { case ->
            val name = case.getString("name")
            DynamicTest.dynamicTest(name) {
                val headers = mapOf(
                    "Wechatpay-Timestamp" to case.getString("timestamp"),
                    "Wechatpay-Nonce" to case.getString("nonce"),
                    "Wechatpay-Serial" to case.getString("serial"),
                    "Wechatpay-Signature" to case.getString("signature"),
                )
                val verify = {
                    verifyResponseSignature(
                        headers,
                        case.getString("body").toByteArray(Charsets.UTF_8),
                        certificates,
                        nowUnixSeconds = case.getLong("now"),
                    )
                }
                if (case.getBoolean("valid")) {
                    assertEquals(case.getString("serial"), verify(), "$name: serial that signed the response")
                } else {
                    assertEquals(case.getString("expected_error"), errorCode { verify() }, "$name: error code")
                }
            }
        }
    }

    @TestFactory
    fun aesGcm(): List<DynamicTest> = load("aes_gcm.json").cases().map { case ->
        val name = case.getString("name")
        DynamicTest.dynamicTest(name) {
            val decrypt = {
                decryptResource(case.getString("key"), case.getString("nonce"), case.getString("associated_data"), case.getString("ciphertext"))
            }
            val expectedError = case.optionalString("expected_error")
            if (expectedError == null) {
                assertEquals(case.getString("plaintext"), String(decrypt(), Charsets.UTF_8), "$name: plaintext")
            } else {
                assertEquals(expectedError, errorCode { decrypt() }, "$name: error code")
            }
        }
    }

    @TestFactory
    fun notifications(): List<DynamicTest> {
        val document = load("notifications.json")
        val certificates = document.getJSONArray("certificate_files").strings().map(::read)
        val window = document.getLong("timestamp_window_seconds").toULong()
        return document.cases().map { case ->
            val name = case.getString("name")
            DynamicTest.dynamicTest(name) {
                val headers = case.getJSONObject("headers").toHeaders()
                val body = case.getString("body").toByteArray(Charsets.UTF_8)
                val expected = case.getJSONObject("expected")
                NotificationParser.withFixedTime(
                    document.getString("apiv3_key"),
                    certificates,
                    timestampWindowSeconds = window,
                    unixSeconds = case.getLong("now"),
                ).use { parser ->
                    val expectedError = expected.optionalString("error")
                    if (expectedError != null) {
                        assertEquals(expectedError, errorCode { parser.parse(headers, body) }, "$name: error code")
                    } else {
                        assertNotification(name, expected, headers, parser.parse(headers, body))
                    }
                }
            }
        }
    }

    private fun assertNotification(name: String, expected: JSONObject, headers: Map<String, String>, notification: Notification) {
        assertEquals(expected.getString("id"), notification.id, "$name: id")
        assertEquals(expected.getString("event_type"), notification.eventType, "$name: eventType")
        assertEquals(expected.getString("summary"), notification.summary, "$name: summary")
        assertEquals(instant(expected.getString("create_time")), notification.createTime?.let(::instant), "$name: createTime")
        val serial = headers.entries.first { it.key.equals("Wechatpay-Serial", ignoreCase = true) }.value
        assertEquals(serial, notification.signedBy, "$name: signedBy")

        val resource: Any = when (val eventType = expected.getString("event_type")) {
            "PAPAY.SIGN" -> assertIs<NotificationEvent.ContractSigned>(notification.event, "$name: event").contract
            "PAPAY.TERMINATE" -> assertIs<NotificationEvent.ContractTerminated>(notification.event, "$name: event").contract
            "TRANSACTION.SUCCESS" -> assertIs<NotificationEvent.DeductionSucceeded>(notification.event, "$name: event").order
            "REFUND.SUCCESS" -> assertIs<NotificationEvent.RefundSucceeded>(notification.event, "$name: event").refund
            else -> fail("$name: event type $eventType has no expected event variant in VectorsTest")
        }
        assertRecordMatches(name, "resource", expected.getJSONObject("resource"), resource)
    }

    @Test
    fun certificateDownload() {
        val document = load("certificates.json")
        val apiv3Key = document.getString("apiv3_key")
        val body = document.getString("body")
        val expectedFiles = document.getJSONObject("expected").getJSONArray("certificates").let { entries ->
            (0 until entries.length()).associate { entries.getJSONObject(it).getString("serial_no") to entries.getJSONObject(it).getString("certificate_file") }
        }

        val entries = JSONObject(body).getJSONArray("data")
        assertEquals(expectedFiles.size, entries.length(), "certificates.json: number of certificates in the body")
        val decrypted = (0 until entries.length()).map { index ->
            val entry = entries.getJSONObject(index)
            val serial = entry.getString("serial_no")
            val encrypted = entry.getJSONObject("encrypt_certificate")
            assertEquals("AEAD_AES_256_GCM", encrypted.getString("algorithm"), "certificates.json $serial: algorithm")
            val pem = String(
                decryptResource(apiv3Key, encrypted.getString("nonce"), encrypted.getString("associated_data"), encrypted.getString("ciphertext")),
                Charsets.UTF_8,
            )
            val file = assertNotNull(expectedFiles[serial], "certificates.json: serial $serial is not among the expected certificates")
            assertEquals(read(file), pem, "certificates.json $serial: decrypted PEM")
            pem
        }

        val signedBy = verifyResponseSignature(
            document.getJSONObject("headers").toHeaders(),
            body.toByteArray(Charsets.UTF_8),
            decrypted,
            nowUnixSeconds = document.getLong("now"),
        )
        assertEquals(document.getJSONObject("expected").getString("signed_by"), signedBy, "certificates.json: serial that signed the response")
    }

    @Test
    fun verifyResponseSignatureRejectsOutOfRangeNow() {
        val code = errorCode {
            verifyResponseSignature(emptyMap(), ByteArray(0), listOf(read("keys/platform_cert.pem")), nowUnixSeconds = Long.MAX_VALUE)
        }
        assertEquals("INVALID_ARGUMENT", code, "verifyResponseSignature with nowUnixSeconds = Long.MAX_VALUE: error code")
    }

    private companion object {
        /** Fields that the binding groups under `identity` instead of the record itself. */
        val identityFields = setOf("mchid", "appid", "sp_mchid", "sp_appid", "sub_mchid", "sub_appid")

        fun instant(time: String) = OffsetDateTime.parse(time).toInstant()

        fun camelCase(key: String): String = key.replace(Regex("_([a-z0-9])")) { it.groupValues[1].uppercase() }

        /** Returns the Kotlin property name of a JSON key. `ExchangeRate` names its `type` `rateType`. */
        fun propertyName(key: String): String = if (key == "type") "rateType" else camelCase(key)

        /** Reads property [name] of a generated record through its Java getter. */
        fun property(case: String, path: String, record: Any, name: String): Any? {
            val getterName = "get" + name.replaceFirstChar(Char::uppercaseChar)
            val getter = record.javaClass.methods.firstOrNull { it.name == getterName && it.parameterCount == 0 }
            assertNotNull(getter, "$case: $path has no property $name in ${record.javaClass.simpleName}")
            return getter.invoke(record)
        }

        /**
         * Asserts that every key of the snake_case JSON value [expected] is in [actual] under its
         * camelCase property with an equal value, recursing into objects and lists. RFC 3339
         * times are compared as instants, because the binding may print another offset.
         */
        fun assertRecordMatches(case: String, path: String, expected: Any?, actual: Any?) {
            when {
                expected is JSONObject -> {
                    assertNotNull(actual, "$case: $path is null")
                    for (key in expected.keySet()) {
                        val owner = if (key in identityFields) property(case, path, actual, "identity") else actual
                        assertNotNull(owner, "$case: $path.identity is null")
                        assertRecordMatches(case, "$path.$key", expected.get(key), property(case, path, owner, propertyName(key)))
                    }
                }
                expected is JSONArray -> {
                    val list = assertIs<List<*>>(actual, "$case: $path")
                    assertEquals(expected.length(), list.size, "$case: $path size")
                    for (index in 0 until expected.length()) {
                        assertRecordMatches(case, "$path[$index]", expected.get(index), list[index])
                    }
                }
                expected == JSONObject.NULL -> assertNull(actual, "$case: $path")
                expected is Number -> assertEquals(expected.toLong(), assertIs<Number>(actual, "$case: $path").toLong(), "$case: $path")
                expected is String && Regex("""^\d{4}-\d{2}-\d{2}T""").containsMatchIn(expected) ->
                    assertEquals(instant(expected), instant(assertIs<String>(actual, "$case: $path")), "$case: $path")
                else -> assertEquals(expected, actual, "$case: $path")
            }
        }
    }
}
