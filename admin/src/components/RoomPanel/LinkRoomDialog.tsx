import * as React from 'react';
import { Button, Dialog, Field, TextInput } from '@strapi/design-system';

import { useT } from '../../utils/translate';

/**
 * "Link to an existing room": asks for the id of a room that already exists in iFlyChat, and
 * says which rooms the admin may link (this entry's own past rooms; any room no entry owns with
 * `rooms.link-any`). Stays open, with the server's reason on the field, when the id is refused.
 */
export function LinkRoomDialog({
  disabled,
  anyRoom,
  onLink,
}: {
  disabled: boolean;
  /** Whether the admin has `rooms.link-any`. */
  anyRoom: boolean;
  /** Resolves to the field errors the server gave (empty when the room was linked). */
  onLink: (roomId: string) => Promise<Record<string, string>>;
}) {
  const t = useT();
  const [open, setOpen] = React.useState(false);
  const [roomId, setRoomId] = React.useState('');
  const [error, setError] = React.useState<string | undefined>();
  const [submitting, setSubmitting] = React.useState(false);

  const onOpenChange = (next: boolean) => {
    setOpen(next);
    if (next) {
      setRoomId('');
      setError(undefined);
    }
  };

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    event.stopPropagation();
    if (!roomId.trim()) {
      setError(t('roomPanel.link.required', 'Enter the id of the room'));
      return;
    }
    setSubmitting(true);
    try {
      const errors = await onLink(roomId.trim());
      if (Object.keys(errors).length === 0) {
        setOpen(false);
      } else {
        setError(errors.roomId ?? Object.values(errors)[0]);
      }
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Trigger>
        <Button variant="secondary" size="S" fullWidth disabled={disabled}>
          {t('roomPanel.link.button', 'Link to an existing room')}
        </Button>
      </Dialog.Trigger>
      <Dialog.Content>
        <Dialog.Header>{t('roomPanel.link.title', 'Link to an existing room')}</Dialog.Header>
        {/* The edit view is a form itself: this one must not submit it. */}
        <form onSubmit={(event) => void submit(event)} noValidate>
          <Dialog.Body>
            <Field.Root
              name="roomId"
              error={error}
              hint={
                anyRoom
                  ? t(
                      'roomPanel.link.hintAny',
                      'The id of a room that exists in iFlyChat, such as 1042: one this entry had before, or any room no other entry owns (you have the "Link any room to an entry" permission). The entry keeps it; no room is created.'
                    )
                  : t(
                      'roomPanel.link.hint',
                      'The id of a room this entry had before (after an Unlink), such as 1042. Linking any other room needs the "Link any room to an entry" permission, which only administrators have. The entry keeps it; no room is created.'
                    )
              }
              required
              width="100%"
            >
              <Field.Label>{t('roomPanel.link.label', 'Room id')}</Field.Label>
              <TextInput
                value={roomId}
                inputMode="numeric"
                autoComplete="off"
                onChange={(event: React.ChangeEvent<HTMLInputElement>) => {
                  setRoomId(event.target.value);
                  setError(undefined);
                }}
              />
              <Field.Hint />
              <Field.Error />
            </Field.Root>
          </Dialog.Body>
          <Dialog.Footer>
            <Dialog.Cancel>
              <Button fullWidth variant="tertiary">
                {t('roomPanel.cancel', 'Cancel')}
              </Button>
            </Dialog.Cancel>
            <Button fullWidth type="submit" loading={submitting}>
              {t('roomPanel.link.submit', 'Link')}
            </Button>
          </Dialog.Footer>
        </form>
      </Dialog.Content>
    </Dialog.Root>
  );
}
