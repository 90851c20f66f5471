// A C2D back end on Microsoft's C SDK service client (azure-iot-sdk-c's iothub_service_client), modelled on
// its iothub_messaging_ll_sample.
//
//   c2d_service <device-id> <count> <timeout-seconds>
//
// Environment: IOTHUB_CONNECTION_STRING (the service string `iot-c2d hub` prints), IOTHUB_TRUSTED_CA_FILE (a
// PEM file handed to the SDK with IoTHubMessaging_LL_SetTrustedCert; TLS verification stays on).
// Sends <count> messages "<device-id>-svc-<i>" with correlation id "corr-<device-id>", the application
// properties color=red and note=a&b%c+d, and iothub-ack=full (the C SDK has no ack setter: IoT Hub reads the
// property), then waits for a feedback record for each on /messages/servicebound/feedback.
// Prints its own events as lines "@@ {json}": "open", "sent" (per send confirmation), "feedback" (per record),
// "done" once every message has a record (exit 0), or "timeout" (exit 1).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "azure_c_shared_utility/map.h"
#include "azure_c_shared_utility/platform.h"
#include "azure_c_shared_utility/singlylinkedlist.h"
#include "azure_c_shared_utility/threadapi.h"
#include "iothub_message.h"
#include "iothub_messaging_ll.h"
#include "iothub_service_client_auth.h"

static size_t g_sent = 0;
static size_t g_send_failed = 0;
static size_t g_feedback = 0;

static char* read_file(const char* path)
{
    FILE* file = fopen(path, "rb");
    if (file == NULL) return NULL;
    (void)fseek(file, 0, SEEK_END);
    long size = ftell(file);
    (void)fseek(file, 0, SEEK_SET);
    char* text = (char*)malloc((size_t)size + 1);
    if (text != NULL && fread(text, 1, (size_t)size, file) == (size_t)size) text[size] = '\0';
    else { free(text); text = NULL; }
    (void)fclose(file);
    return text;
}

static void on_open(void* context)
{
    (void)context;
    printf("@@ {\"event\":\"open\"}\n");
}

static void on_sent(void* context, IOTHUB_MESSAGING_RESULT result)
{
    (void)context;
    if (result == IOTHUB_MESSAGING_OK) g_sent++;
    else g_send_failed++;
    printf("@@ {\"event\":\"sent\",\"ok\":%s}\n", result == IOTHUB_MESSAGING_OK ? "true" : "false");
}

static void on_feedback(void* context, IOTHUB_SERVICE_FEEDBACK_BATCH* batch)
{
    (void)context;
    if (batch == NULL || batch->feedbackRecordList == NULL) return;
    for (LIST_ITEM_HANDLE item = singlylinkedlist_get_head_item(batch->feedbackRecordList); item != NULL; item = singlylinkedlist_get_next_item(item))
    {
        const IOTHUB_SERVICE_FEEDBACK_RECORD* record = (const IOTHUB_SERVICE_FEEDBACK_RECORD*)singlylinkedlist_item_get_value(item);
        if (record == NULL) continue;
        g_feedback++;
        // Ids and the description are plain text here (the hub's ids are checked by the caller).
        printf("@@ {\"event\":\"feedback\",\"originalMessageId\":\"%s\",\"deviceId\":\"%s\",\"description\":\"%s\",\"statusCode\":%d,\"enqueuedTimeUtc\":\"%s\"}\n",
            record->originalMessageId ? record->originalMessageId : "", record->deviceId ? record->deviceId : "",
            record->description ? record->description : "", (int)record->statusCode, record->enqueuedTimeUtc ? record->enqueuedTimeUtc : "");
    }
}

int main(int argc, char** argv)
{
    const char* connection_string = getenv("IOTHUB_CONNECTION_STRING");
    const char* ca_file = getenv("IOTHUB_TRUSTED_CA_FILE");
    if (argc != 4 || connection_string == NULL || ca_file == NULL)
    {
        fprintf(stderr, "usage: IOTHUB_CONNECTION_STRING=... IOTHUB_TRUSTED_CA_FILE=ca.pem %s <device-id> <count> <timeout-seconds>\n", argv[0]);
        return 2;
    }
    const char* device_id = argv[1];
    size_t count = (size_t)atoi(argv[2]);
    time_t deadline = time(NULL) + atoi(argv[3]);
    char* trusted = read_file(ca_file);
    if (trusted == NULL)
    {
        fprintf(stderr, "cannot read %s\n", ca_file);
        return 2;
    }
    (void)platform_init();
    int result = 1;
    IOTHUB_SERVICE_CLIENT_AUTH_HANDLE auth = IoTHubServiceClientAuth_CreateFromConnectionString(connection_string);
    IOTHUB_MESSAGING_HANDLE messaging = auth == NULL ? NULL : IoTHubMessaging_LL_Create(auth);
    if (messaging == NULL)
    {
        printf("@@ {\"event\":\"error\",\"what\":\"IoTHubServiceClientAuth_CreateFromConnectionString or IoTHubMessaging_LL_Create failed\"}\n");
    }
    else
    {
        (void)IoTHubMessaging_LL_SetTrustedCert(messaging, trusted);
        (void)IoTHubMessaging_LL_SetFeedbackMessageCallback(messaging, on_feedback, NULL);
        if (IoTHubMessaging_LL_Open(messaging, on_open, NULL) != IOTHUB_MESSAGING_OK)
        {
            printf("@@ {\"event\":\"error\",\"what\":\"IoTHubMessaging_LL_Open failed\"}\n");
        }
        else
        {
            char correlation_id[256];
            (void)snprintf(correlation_id, sizeof correlation_id, "corr-%s", device_id);
            for (size_t i = 0; i < count; i++)
            {
                char message_id[256];
                (void)snprintf(message_id, sizeof message_id, "%s-svc-%zu", device_id, i);
                IOTHUB_MESSAGE_HANDLE message = IoTHubMessage_CreateFromString("{\"temperature\":21.5}");
                (void)IoTHubMessage_SetMessageId(message, message_id);
                (void)IoTHubMessage_SetCorrelationId(message, correlation_id);
                MAP_HANDLE properties = IoTHubMessage_Properties(message);
                (void)Map_AddOrUpdate(properties, "color", "red");
                (void)Map_AddOrUpdate(properties, "note", "a&b%c+d");
                (void)Map_AddOrUpdate(properties, "iothub-ack", "full");
                if (IoTHubMessaging_LL_Send(messaging, device_id, message, on_sent, NULL) != IOTHUB_MESSAGING_OK)
                {
                    printf("@@ {\"event\":\"error\",\"what\":\"IoTHubMessaging_LL_Send failed\"}\n");
                }
                IoTHubMessage_Destroy(message);
            }
            while (g_feedback < count && g_send_failed == 0 && time(NULL) < deadline)
            {
                IoTHubMessaging_LL_DoWork(messaging);
                ThreadAPI_Sleep(10);
            }
            result = g_feedback >= count && g_send_failed == 0 ? 0 : 1;
            if (result == 0) printf("@@ {\"event\":\"done\"}\n");
            else printf("@@ {\"event\":\"timeout\",\"sent\":%zu,\"failed\":%zu,\"feedback\":%zu}\n", g_sent, g_send_failed, g_feedback);
            IoTHubMessaging_LL_Close(messaging);
        }
        IoTHubMessaging_LL_Destroy(messaging);
    }
    if (auth != NULL) IoTHubServiceClientAuth_Destroy(auth);
    platform_deinit();
    free(trusted);
    return result;
}
