package io.github.papaysdk.papay

import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** How failures reach Kotlin: one PayException subclass per core error kind, with its code. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorTest {
    private lateinit var sandbox: Sandbox
    private lateinit var client: Client

    @BeforeAll
    fun start() {
        sandbox = Sandbox.start()
        client = sandbox.client()
    }

    @AfterAll
    fun stop() {
        client.close()
        sandbox.close()
    }

    private fun unknownContract(): PayException.Api = expectPayException("queryContractById(UNKNOWN0001)") {
        runBlocking { client.queryContractById("UNKNOWN0001") }
    }

    @Test
    fun unknownContractIsApiError() {
        assertEquals("API_ERROR", unknownContract().code, "code of queryContractById(UNKNOWN0001)")
    }

    @Test
    fun unknownContractHasHttpStatus404() {
        assertEquals(404.toUShort(), unknownContract().httpStatus, "httpStatus of queryContractById(UNKNOWN0001)")
    }

    @Test
    fun unknownContractCarriesApiCode() {
        assertEquals("NOT_FOUND", unknownContract().apiCode, "apiCode of queryContractById(UNKNOWN0001)")
    }

    @Test
    fun unknownContractCarriesRequestId() {
        assertNotNull(unknownContract().requestId, "requestId of queryContractById(UNKNOWN0001)")
    }

    @Test
    fun apiErrorSignatureVerified() {
        assertTrue(unknownContract().signatureVerified, "signatureVerified of the sandbox's signed 404")
    }

    @Test
    fun longOutTradeNoNamesField() {
        val outTradeNo = "X".repeat(33)
        val request = DeductionRequest(
            description = "too long",
            notifyUrl = "$NOTIFY_BASE/pay-notify",
            outTradeNo = outTradeNo,
            merchantCategoryCode = "5999",
            contractId = "CONTRACT0001",
            amount = DeductionAmount(total = 100, currency = "HKD"),
        )
        val error = expectPayException<PayException.InvalidArgument>("deduct with a 33-character out_trade_no") {
            runBlocking { client.deduct(request) }
        }
        assertEquals("out_trade_no", error.field, "field of deduct with a 33-character out_trade_no")
        assertEquals("INVALID_ARGUMENT", error.code, "code of deduct with a 33-character out_trade_no")
    }

    @Test
    fun invalidArgumentSendsNothing() {
        val before = JSONArray(sandbox.controlOk("GET", "/sandbox/requests")).length()
        expectPayException<PayException.InvalidArgument>("queryOrderByOutTradeNo with an empty out_trade_no") {
            runBlocking { client.queryOrderByOutTradeNo("") }
        }
        val after = JSONArray(sandbox.controlOk("GET", "/sandbox/requests")).length()
        assertEquals(before, after, "API requests the sandbox recorded before and after the rejected call")
    }

    @Test
    fun malformedExpiredTimeNamesField() {
        val request = WebPreSignRequest(
            planId = sandbox.planId,
            outContractCode = uniqueNo("T"),
            successNotifyUrl = "$NOTIFY_BASE/sign-notify",
            expiredTime = "2030-01-01 12:00",
        )
        val error = expectPayException<PayException.InvalidArgument>("webPreSign with expiredTime 2030-01-01 12:00") {
            runBlocking { client.webPreSign(request) }
        }
        assertEquals("expired_time", error.field, "field of a malformed expiredTime")
    }

    @Test
    fun negativePlanIdNamesField() {
        val error = expectPayException<PayException.InvalidArgument>("queryContractByOutContractCode(-1, CODE)") {
            runBlocking { client.queryContractByOutContractCode(-1, "CODE") }
        }
        assertEquals("plan_id", error.field, "field of a negative plan_id")
    }

    @Test
    fun unknownPlanIdIsRejectedByServer() {
        val request = WebPreSignRequest(planId = 12345, outContractCode = uniqueNo("P"), successNotifyUrl = "$NOTIFY_BASE/sign-notify")
        val error = expectPayException<PayException.Api>("webPreSign with plan_id 12345, not a template of the sandbox merchant") {
            runBlocking { client.webPreSign(request) }
        }
        assertEquals(400.toUShort(), error.httpStatus, "httpStatus of an unknown plan_id")
    }

    @Test
    fun reversingPaidOrderIsOrderPaid(): Unit = runBlocking {
        val contractId = signContract(sandbox, client).second
        val outTradeNo = uniqueNo("PAID")
        client.deduct(
            DeductionRequest(
                description = "paid order",
                notifyUrl = "$NOTIFY_BASE/pay-notify",
                outTradeNo = outTradeNo,
                merchantCategoryCode = "5999",
                contractId = contractId,
                amount = DeductionAmount(total = 100, currency = "HKD"),
            ),
        )
        val error = expectPayException<PayException.Api>("reverseOrder($outTradeNo) of a paid order") {
            runBlocking { client.reverseOrder(outTradeNo) }
        }
        assertEquals("ORDER_PAID", error.apiCode, "apiCode of reverseOrder($outTradeNo)")
    }

    @Test
    fun shortApiv3KeyIsInvalidConfig() {
        val error = expectPayException<PayException.InvalidConfig>("MerchantKeys with a 31-byte APIv3 key") {
            MerchantKeys(sandbox.privateKeyPem, "k".repeat(31))
        }
        assertEquals("apiv3_key", error.field, "field of a 31-byte APIv3 key")
    }

    @Test
    fun plainHttpBaseUrlIsInvalidConfig() {
        val config = sandbox.config().copy(baseUrl = "http://apihk.mch.weixin.qq.com")
        val error = expectPayException<PayException.InvalidConfig>("Client with base URL http://apihk.mch.weixin.qq.com") {
            Client(config, sandbox.keys())
        }
        assertEquals("base_url", error.field, "field of a plain-http, non-loopback base URL")
    }

    @Test
    fun codeMethodMatchesVariantCode() {
        val error = unknownContract()
        assertEquals(error.code, error.code(), "PayException.code() and the Api variant's code field")
    }

    @Test
    fun messageMethodReturnsCoreMessage() {
        val error = unknownContract()
        assertTrue(error.message().startsWith("WeChat Pay answered HTTP 404"), "PayException.message() of a 404: ${error.message()}")
    }
}
