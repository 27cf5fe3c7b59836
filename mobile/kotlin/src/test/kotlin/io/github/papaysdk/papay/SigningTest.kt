package io.github.papaysdk.papay

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** The five pre-sign endpoints, the contract queries and termination, against one sandbox. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SigningTest {
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

    @Test
    fun miniProgramPreSignReturnsSessionId(): Unit = runBlocking {
        val request = MiniProgramPreSignRequest(
            planId = sandbox.planId,
            outContractCode = uniqueNo("MP"),
            successNotifyUrl = "$NOTIFY_BASE/sign-notify",
            openid = sandbox.openid,
            userClientIp = "203.0.113.10",
            expiredTime = "2030-01-01T12:00:00+08:00",
        )
        val response = client.miniProgramPreSign(request)
        assertTrue(response.sessionId.isNotEmpty(), "miniProgramPreSign($request) returned an empty session_id")
    }

    @Test
    fun h5PreSignReturnsSignUrl(): Unit = runBlocking {
        val request = H5PreSignRequest(
            planId = sandbox.planId,
            outContractCode = uniqueNo("H5"),
            successNotifyUrl = "$NOTIFY_BASE/sign-notify",
            userClientIp = "203.0.113.10",
        )
        val response = client.h5PreSign(request)
        assertTrue(response.signUrl.contains("os_session_id="), "h5PreSign($request) returned sign_url ${response.signUrl}")
    }

    @Test
    fun jsapiPreSignReturnsSignUrl(): Unit = runBlocking {
        val request = JsapiPreSignRequest(
            planId = sandbox.planId,
            outContractCode = uniqueNo("JS"),
            successNotifyUrl = "$NOTIFY_BASE/sign-notify",
            openid = sandbox.openid,
            returnUrl = "https://merchant.example/signed",
        )
        val response = client.jsapiPreSign(request)
        assertTrue(response.signUrl.contains("os_session_id="), "jsapiPreSign($request) returned sign_url ${response.signUrl}")
    }

    @Test
    fun webPreSignReturnsShowCodeUrl(): Unit = runBlocking {
        val request = WebPreSignRequest(planId = sandbox.planId, outContractCode = uniqueNo("PC"), successNotifyUrl = "$NOTIFY_BASE/sign-notify")
        val response = client.webPreSign(request)
        assertTrue(response.showCodeUrl.contains("os_session_id="), "webPreSign($request) returned show_code_url ${response.showCodeUrl}")
    }

    @Test
    fun webPreSignUrlRendersAsQrCode(): Unit = runBlocking {
        val request = WebPreSignRequest(planId = sandbox.planId, outContractCode = uniqueNo("QR"), successNotifyUrl = "$NOTIFY_BASE/sign-notify")
        val url = client.webPreSign(request).showCodeUrl
        val svg = qrCodeSvg(url, 4u)
        assertTrue(svg.contains("<svg"), "qrCodeSvg($url, 4) returned no <svg> element: ${svg.take(80)}")
    }

    @Test
    fun appPreSignSessionGoesIntoLaunchPath(): Unit = runBlocking {
        val request = AppPreSignRequest(
            planId = sandbox.planId,
            outContractCode = uniqueNo("APP"),
            successNotifyUrl = "$NOTIFY_BASE/sign-notify",
            userDisplayName = "Kotlin Test",
        )
        val sessionId = client.appPreSign(request).sessionId
        val launch = signingLaunchParams(sessionId)
        assertEquals("pages/index/index?session_id=$sessionId", launch.path, "signingLaunchParams($sessionId).path")
    }

    @Test
    fun confirmedSigningSendsPapaySign(): Unit = runBlocking {
        val (code, contractId) = signContract(sandbox, client)
        val delivery = sandbox.notificationContaining("PAPAY.SIGN", contractId)

        val notification = client.parseNotification(delivery.headers, delivery.body)

        val event = assertIs<NotificationEvent.ContractSigned>(notification.event, "client.parseNotification of PAPAY.SIGN for $code")
        assertEquals(contractId, event.contract.contractId, "contract_id in PAPAY.SIGN for $code")
        assertEquals(code, event.contract.outContractCode, "out_contract_code in PAPAY.SIGN for $contractId")
    }

    @Test
    fun queryContractByIdReturnsSigned(): Unit = runBlocking {
        val (_, contractId) = signContract(sandbox, client)
        val contract = client.queryContractById(contractId)
        assertEquals("SIGNED", contract.state, "queryContractById($contractId).state")
    }

    @Test
    fun queryContractByOutContractCodeFindsContract(): Unit = runBlocking {
        val (code, contractId) = signContract(sandbox, client)
        val contract = client.queryContractByOutContractCode(sandbox.planId, code)
        assertEquals(contractId, contract.contractId, "queryContractByOutContractCode(${sandbox.planId}, $code).contractId")
    }

    @Test
    fun terminateContractEndsIt(): Unit = runBlocking {
        val (_, contractId) = signContract(sandbox, client)
        client.terminateContract(contractId, "kotlin test finished")
        val contract = client.queryContractById(contractId)
        assertEquals("TERMINATED", contract.state, "queryContractById($contractId).state after terminateContract")
    }

    @Test
    fun terminationSendsPapayTerminate(): Unit = runBlocking {
        val (_, contractId) = signContract(sandbox, client)
        client.terminateContract(contractId, "kotlin test finished")
        val delivery = sandbox.notificationContaining("PAPAY.TERMINATE", contractId)

        val notification = client.parseNotification(delivery.headers, delivery.body)

        val event = assertIs<NotificationEvent.ContractTerminated>(notification.event, "client.parseNotification of PAPAY.TERMINATE for $contractId")
        assertEquals("MERCHANT", event.contract.contractTerminationMode, "contract_termination_mode of $contractId")
    }
}
